"""A read verb on a ``pl.DataFrame``: the distinct inputs through the engine, answers
joined back by key.

1. the call is checked as the pandas verb checks it (arguments, input columns, result
   columns that already exist) against a frame with the same columns and no rows;
2. Polars finds the distinct rows of the input columns (``group_by``, in order of first
   appearance) and which rows carry each; only those distinct rows are converted, and
   only the input columns: the rest of the frame never leaves Polars;
3. the pandas verb's own plan is made over them (normalising, so ``" Ada@X.com"`` and
   ``"ada@x.com"`` are still one request), its row counts weighted by how many rows
   each distinct input stands for, and run by the engine: cache, local checks, budget
   (inputs left over are the last in frame order), concurrent requests, the report;
4. the answers, built once per distinct outcome in their Polars dtypes
   (:mod:`sr_frames.polars.schema`), are put back on the rows by key: each row's key
   (its group of equal inputs, nulls and NaNs included) gives its outcome, and every
   result column is one ``gather`` of those outcomes.

The result is ``frame.with_columns(...)``: the caller's columns and row order as they
were (Polars shares their buffers, nothing is copied), result columns after them, or in
place of existing ones with ``overwrite=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from sr_frames import accessor
from sr_frames.client.clients import Client
from sr_frames.client.coerce import as_integer
from sr_frames.endpoints import WHOLE_ANSWER
from sr_frames.enrich import engine
from sr_frames.enrich.collector import bulk
from sr_frames.enrich.estimate import Estimate, estimate_plan
from sr_frames.enrich.plan import Plan
from sr_frames.enrich.report import RunReport
from sr_frames.polars.convert import to_pandas
from sr_frames.polars.schema import result_schema, to_series

__all__ = ["VerbCall", "describe", "enrich", "estimate"]

ROWS = "__salesrocks_rows__"


@dataclass(frozen=True)
class VerbCall:
    """One read verb as called on a frame with ``columns``: checked, planned over no row."""

    verb: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    inputs: tuple[str, ...]
    schema: dict[str, pl.DataType]

    def output_schema(self, schema: pl.Schema) -> pl.Schema:
        """The schema of the result on a frame of ``schema``: its columns, then the result
        columns (those it already has, replaced where they are)."""
        return pl.Schema({**dict(schema), **self.schema})


def _planned(frame: pd.DataFrame, verb: str, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    return getattr(accessor.SalesRocksFrameAccessor(frame).planned(), verb)(*args, **kwargs)


def describe(columns: Sequence[str], verb: str, args: tuple[Any, ...],
             kwargs: dict[str, Any]) -> VerbCall:
    """Check ``verb(*args, **kwargs)`` on a frame with ``columns`` as the pandas verb
    would (a ``KeyError`` naming a missing column and close matches, a ``ValueError``
    for result columns that exist, a ``TypeError`` for an unknown option); sends nothing."""
    client = kwargs.get("client")
    if client is not None and not isinstance(client, Client):
        raise TypeError("client= takes a sr_frames.Client")
    shape = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    job = _planned(shape, verb, args, kwargs)
    inputs = tuple(dict.fromkeys(job.plan.sources.values()))
    return VerbCall(verb, tuple(args), dict(kwargs), inputs,
                    result_schema(job.plan.endpoint, kwargs.get("prefix", "")))


def _numbered_in_order(codes: np.ndarray) -> int | None:
    """How many values ``codes`` number, when they number them as they first appear (0
    first, each row's code at most one more than every code before it); else ``None``."""
    if not len(codes):
        return 0
    highest = np.maximum.accumulate(codes)
    in_order = codes[0] == 0 and (codes[1:] <= highest[:-1] + 1).all()
    return int(highest[-1]) + 1 if in_order else None


def _text_codes(text: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Each row's code (null where missing) and the distinct values, numbered in order of
    first appearance. One pass: a cast to a ``Categorical`` of its own new categories,
    which numbers the values as it meets them and is freed with the result (the global
    categories would keep every address for the life of the process). Where Polars
    lacks such categories, or numbered in another order, a ``unique`` then a cast to
    the ``Enum`` of the distinct values (two passes)."""
    categories = getattr(pl, "Categories", None)
    if categories is not None:
        own = categories.random()
        categorical = text.cast(pl.Categorical(own))
        values = own.to_series()  # code i names values[i]; read while the column holds them
        codes = categorical.to_physical()
        if _numbered_in_order(codes.drop_nulls().to_numpy()) == len(values):
            return codes, values
    values = text.unique(maintain_order=True).drop_nulls()
    return text.cast(pl.Enum(values)).to_physical(), values


def _one_text_column(column: pl.Series) -> tuple[np.ndarray, pl.DataFrame] | None:
    """For a column of text, each row's key and the distinct values in order of first
    appearance, missing values last: the codes of the column as a categorical column of
    its own values are the keys. A few bytes per row, where a ``group_by`` keeps a list
    of row numbers per key. ``None`` for other dtypes."""
    if column.dtype not in (pl.String, pl.Categorical) and not isinstance(column.dtype, pl.Enum):
        return None
    codes, values = _text_codes(column.cast(pl.String))
    if codes.null_count():
        codes = codes.cast(pl.UInt32).fill_null(len(values))
        values = values.extend(pl.Series([None], dtype=pl.String))
    return codes.to_numpy(), pl.DataFrame([values.rename(column.name)])


def _grouped(frame: pl.DataFrame, inputs: list[str]) -> tuple[np.ndarray, pl.DataFrame]:
    """Each row's key and the distinct rows of ``inputs``, in order of first appearance
    (nulls and NaNs are keys like any other value)."""
    groups = (frame.select(inputs).with_row_index(ROWS)
              .group_by(inputs, maintain_order=True).agg(pl.col(ROWS)))
    members = groups.get_column(ROWS)
    keys = np.empty(frame.height, dtype=np.uint32)
    keys[members.explode().to_numpy()] = np.repeat(np.arange(len(groups), dtype=np.uint32),
                                                   members.list.len().to_numpy())
    return keys, groups.drop(ROWS)


def _distinct_plan(frame: pl.DataFrame, call: VerbCall) -> tuple[Any, np.ndarray]:
    """The pandas verb's job over the distinct input rows of ``frame``, counted as the
    rows they stand for; and for each row of ``frame``, its slot in the job's plan."""
    inputs = list(call.inputs)
    found = _one_text_column(frame.get_column(inputs[0])) if len(inputs) == 1 else None
    keys, distinct = found if found is not None else _grouped(frame, inputs)
    job = _planned(to_pandas(distinct), call.verb, call.args,
                   {**call.kwargs, "prefix": "", "overwrite": True})
    plan: Plan = job.plan
    counts = np.bincount(keys, minlength=len(distinct))
    weights = np.bincount(plan.row_slot, weights=counts, minlength=len(plan.slots))
    for slot, count in zip(plan.slots, weights.tolist(), strict=True):
        slot.rows = int(count)
    plan.rows = frame.height
    if len(plan.slots) == len(distinct) and np.array_equal(plan.row_slot, np.arange(len(distinct))):
        return job, keys  # each distinct input its own slot (nothing merged by normalising)
    return job, plan.row_slot.astype(np.uint32).take(keys)


def _slot_values(plan: Plan) -> list[list[Any]]:
    """Per result column, one value per slot: the answer's field (or the whole answer),
    integers read as the pandas verbs read them (reading 7), the error column last.
    One pass over the answers, taking every field of an answer while it is at hand
    (one pass per field over ten thousand dicts costs three times as long)."""
    ep = plan.endpoint
    answers = [slot.answer for slot in plan.slots]
    fields = [f for f in ep.columns if f != WHOLE_ANSWER]
    nothing = [None] * len(fields)
    rows = [list(map(a.get, fields)) if isinstance(a, dict) else nothing for a in answers]
    by_field = dict(zip(fields, map(list, zip(*rows, strict=True)), strict=True)) if rows else {}
    columns = []
    for field in ep.columns:
        values = answers if field == WHOLE_ANSWER else by_field.get(field, [])
        columns.append([as_integer(v) for v in values] if field in ep.integer_answers else values)
    if ep.error_column:
        columns.append([slot.error for slot in plan.slots])
    return columns


def _answers(plan: Plan, call: VerbCall, slot_of_row: np.ndarray) -> list[pl.Series]:
    """The result columns of every row: built once per slot (distinct outcome) in their
    Polars dtypes, as one small frame, then gathered by each row's slot in one call (the
    columns are taken in parallel); a column with no value at all is Polars' constant
    null, which holds no buffer per row."""
    with bulk():
        per_slot = [to_series(name, values, dtype) for (name, dtype), values
                    in zip(call.schema.items(), _slot_values(plan), strict=True)]
    valued = [answers for answers in per_slot if answers.null_count() < len(answers)]
    taken = pl.DataFrame(valued)[pl.Series(slot_of_row)] if valued else pl.DataFrame()
    return [taken.get_column(answers.name) if answers.name in taken.columns
            else pl.repeat(None, len(slot_of_row), dtype=answers.dtype, eager=True).alias(answers.name)
            for answers in per_slot]


def enrich(frame: pl.DataFrame, call: VerbCall) -> tuple[pl.DataFrame, RunReport]:
    """Run ``call`` over ``frame``: the new frame and the run report."""
    job, slot_of_row = _distinct_plan(frame, call)
    report = engine.run(job.plan, call.verb, job.run_options(), call.kwargs.get("client"))
    return frame.with_columns(_answers(job.plan, call, slot_of_row)), report


def estimate(frame: pl.DataFrame, call: VerbCall) -> Estimate:
    """What ``call`` would send over ``frame``, from the same plan; sends nothing."""
    job, _ = _distinct_plan(frame, call)
    return estimate_plan(job.plan, call.verb, job.run_options(), call.kwargs.get("client"))
