"""Frame plumbing shared by every verb: find input columns, add result columns.

The caller's frame is never modified: results are built per distinct slot, scattered
to rows with one ``take``, and joined in one ``concat`` on the caller's own index
(duplicated or not), so row order and index survive and pandas never fragments.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sr_frames.client.coerce import as_integer
from sr_frames.endpoints import WHOLE_ANSWER, ColumnKind, Endpoint
from sr_frames.enrich.plan import Plan

__all__ = [
    "MISSING",
    "TEXT",
    "attach",
    "check_clashes",
    "column_error",
    "input_columns",
    "label_array",
    "label_categories",
    "labels",
    "original_columns",
    "result_columns",
    "text_array",
]

MISSING: Any = pd.NA
"""The one missing marker of every result column: text, labels, integers and lists all
show a missing answer as ``<NA>`` (never ``NaN`` beside ``<NA>`` beside ``None``)."""

TEXT = pd.StringDtype(na_value=pd.NA)
"""The dtype of text result columns (and of label categories): pandas' ``"string"``,
whose missing value is :data:`MISSING`."""


def text_array(values: Iterable[Any]) -> Any:
    """``values`` as a text result column (:data:`TEXT`)."""
    return pd.array(list(values), dtype=TEXT)


def label_array(values: Iterable[Any], categories: Iterable[str]) -> pd.Categorical:
    """``values`` as a label result column: a categorical of ``categories`` (text of
    dtype :data:`TEXT`, so a missing value shows as :data:`MISSING`)."""
    return pd.Categorical(list(values), dtype=pd.CategoricalDtype(pd.Index(list(categories), dtype=TEXT)))


def column_error(frame: pd.DataFrame, name: str, argument: str) -> KeyError:
    """A ``KeyError`` naming the missing column, close matches, and what exists."""
    existing = [str(c) for c in frame.columns]
    by_lower = {c.lower(): c for c in existing}
    close = [by_lower[c] for c in difflib.get_close_matches(str(name).lower(), list(by_lower), n=3,
                                                            cutoff=0.5)]
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    shown = ", ".join(repr(c) for c in existing[:20]) + (" ..." if len(existing) > 20 else "")
    return KeyError(
        f"column {name!r} (argument {argument}=) is not in the frame.{hint} "
        f"Columns: {shown}. Pass {argument}='<column name>'."
    )


def input_columns(frame: pd.DataFrame, wanted: Mapping[str, tuple[str, Any]]) -> dict[str, pd.Series]:
    """``{field: frame[column]}`` for ``wanted`` = ``{field: (argument, column)}``; with
    ``MultiIndex`` columns, ``column`` is a tuple (or a name padded to one)."""
    found = {}
    for field, (argument, name) in wanted.items():
        column: Any = name
        if frame.columns.nlevels > 1 and not isinstance(column, tuple):
            column = _full_label(frame, column, argument)
        if column not in frame.columns:
            raise column_error(frame, column, argument)
        selected = frame[column]
        if isinstance(selected, pd.DataFrame):
            raise KeyError(f"column {column!r} appears {selected.shape[1]} times in the frame; "
                           "rename the duplicates first")
        found[field] = selected
    return found


def _full_label(frame: pd.DataFrame, column: Any, argument: str) -> tuple[Any, ...]:
    """``column`` as a label of ``frame``'s ``MultiIndex`` columns: padded with ``""``
    if that is one, else a ``KeyError`` saying to name it by its tuple."""
    padded = labels(frame, [column])[0]
    if padded in frame.columns:
        return padded
    raise KeyError(f"the frame's columns are a MultiIndex, so name column {column!r} (argument "
                   f"{argument}=) by its tuple, such as {frame.columns[0]!r}")


def _by_field(endpoint: Endpoint, answers: list[Any], fields: list[str]) -> list[list[Any]]:
    """For each field, one value per answer (``None`` where an answer lacks it).

    One pass over the answers, taking every field of an answer while it is at hand:
    far quicker than one pass per field over a hundred thousand scattered dicts.
    """
    keys = [f for f in fields if f != WHOLE_ANSWER]
    nothing = [None] * len(keys)
    rows = [list(map(a.get, keys)) if isinstance(a, dict) else nothing for a in answers]
    values = dict(zip(keys, zip(*rows, strict=True), strict=True)) if rows else dict.fromkeys(keys, ())
    return [answers if f == WHOLE_ANSWER
            else [as_integer(v) for v in values[f]] if f in endpoint.integer_answers
            else list(values[f]) for f in fields]


def result_columns(plan: Plan, prefix: str = "") -> dict[str, Any]:
    """Result columns for every row of ``plan``: answers by field, failures in the error
    column, each in the dtype :meth:`Endpoint.column_kinds` gives it."""
    endpoint: Endpoint = plan.endpoint
    answers = [slot.answer for slot in plan.slots]
    fields = list(endpoint.columns)
    per_column = _by_field(endpoint, answers, fields)
    if endpoint.error_column:
        per_column.append([slot.error for slot in plan.slots])
    kinds = endpoint.column_kinds(prefix)
    return {column: _scatter(values, plan.row_slot, kind)
            for (column, kind), values in zip(kinds.items(), per_column, strict=True)}


def _scatter(values: list[Any], row_slot: np.ndarray, kind: ColumnKind) -> Any:
    """Per-slot values to per-row values in the dtype of ``kind``, taken per row after
    being typed once per distinct value (a million rows are not re-scanned). Lists stay
    Python lists, one shared object per distinct answer. Every missing answer is
    :data:`MISSING`. A number or flag where text is expected becomes its JSON text
    (``true``, ``442079460958``); answers that cannot fit their kind (a list where text
    was expected) keep the dtype pandas infers."""
    kinds = set(map(type, values)) - {type(None)}  # JSON gives exact types, no subclasses
    if kind == "integer" and kinds <= {int}:
        return pd.array(values, dtype="Int64").take(row_slot)
    if kind in ("label", "text") and not kinds & {list, dict}:
        if not kinds <= {str}:  # a number or flag where the reference shows text
            values = [v if v is None or type(v) is str else json.dumps(v) for v in values]
        if kind == "label":
            return _labels(values, row_slot)
        return pd.array(values, dtype=TEXT).take(row_slot)
    slots = np.empty(len(values), dtype=object)
    if kind == "list" or kinds & {list, dict}:
        slots[:] = [MISSING if v is None else v for v in values]
        return slots.take(row_slot)
    slots[:] = values
    typed = pd.Series(slots, copy=False).infer_objects().array
    return typed.to_numpy().take(row_slot) if typed.dtype == object else typed.take(row_slot)


def _labels(values: list[str | None], row_slot: np.ndarray) -> pd.Categorical:
    """A categorical of ``values`` taken per row: factorized once per distinct value,
    and each row's code taken already in its final, smallest dtype."""
    slots = np.empty(len(values), dtype=object)
    slots[:] = values
    codes, uniques = pd.factorize(slots, use_na_sentinel=True)
    categories = label_categories(uniques)
    small = np.int8 if len(categories) < 2**7 else np.int16 if len(categories) < 2**15 else np.int32
    # ranked through a dict of the few texts: Index.get_indexer costs half a millisecond
    position = {name: i for i, name in enumerate(categories.tolist())}
    rank = np.array([position[u] for u in uniques] + [-1], dtype=small)  # code -1 reads the last
    dtype = pd.CategoricalDtype(categories)
    return pd.Categorical.from_codes(rank[codes].take(row_slot), dtype=dtype, validate=False)


def label_categories(values: Iterable[Any]) -> pd.Index:
    """The categories of a label column: the distinct texts among ``values``, sorted."""
    return pd.Index(sorted({v for v in values if isinstance(v, str)}), dtype=TEXT)


def labels(frame: pd.DataFrame, names: Sequence[Any]) -> list[Any]:
    """``names`` as column labels of ``frame``: as they are, or, when the columns are a
    ``MultiIndex``, tuples padded with ``""`` to its levels (``("email_status", "")``)."""
    levels = frame.columns.nlevels
    if levels == 1:
        return list(names)
    return [n if isinstance(n, tuple) else (n, *[""] * (levels - 1)) for n in names]


def check_clashes(frame: pd.DataFrame, names: Sequence[str], *, overwrite: bool,
                  reads: Sequence[Any] = ()) -> list[Any]:
    """The result columns that ``frame`` already has (as its labels, see :func:`labels`);
    a ``ValueError`` naming them and the fixes unless ``overwrite``. A column the verb
    ``reads`` is never replaced, ``overwrite`` or not: the caller's input is kept. Verbs
    call it before sending anything."""
    existing = set(frame.columns)
    clashes = [c for c in labels(frame, names) if c in existing]
    read = [c for c in clashes if c in set(labels(frame, reads))]
    if read:
        raise ValueError(
            f"the input column {read[0]!r} is named like a result column, so the result would "
            "replace the input; rename it (series.rename('...') or frame.rename(columns=...)), "
            "or pass prefix='...' to add the results under other names")
    if clashes and not overwrite:
        raise ValueError(
            f"result column(s) {', '.join(repr(c) for c in clashes)} already exist in the frame; "
            "pass overwrite=True to replace them, or prefix='...' to add them under other names"
        )
    return clashes


def attach(frame: pd.DataFrame, columns: Mapping[str, Any], *, overwrite: bool) -> pd.DataFrame:
    """A new frame: ``frame``'s columns, then ``columns``, on ``frame``'s index, with
    ``frame.attrs`` (a copy). With ``overwrite``, a result column that exists replaces it
    in its place, by position: other columns, duplicated labels and all, stay as they
    are. ``MultiIndex`` columns get the results as padded tuples (:func:`labels`)."""
    names = labels(frame, list(columns))
    clashes = set(check_clashes(frame, list(columns), overwrite=overwrite))
    added = pd.DataFrame({name: _as_is(values, frame.index)
                          for name, values in zip(names, columns.values(), strict=True)},
                         index=frame.index, copy=False)
    if len(names) and frame.columns.nlevels > 1:
        added.columns = pd.MultiIndex.from_tuples(names, names=frame.columns.names)
    kept = [i for i, c in enumerate(frame.columns) if c not in clashes]
    base = frame.iloc[:, kept] if clashes else frame
    result = pd.concat([base, added], axis=1) if len(base.columns) else added
    if clashes:  # replaced columns stay where they were (the first, if a label repeats)
        result = result.iloc[:, _placed(frame.columns, kept, names, clashes)]
    result.attrs = _copied(frame.attrs)
    return result


def _copied(attrs: dict[Any, Any]) -> dict[Any, Any]:
    """A deep copy of ``attrs`` as pandas makes one, or a shallow one when something in
    them cannot be copied: the answers are never lost over the caller's metadata."""
    try:
        return copy.deepcopy(attrs)
    except Exception:
        return dict(attrs)


def _placed(columns: pd.Index, kept: list[int], names: list[Any], clashes: set[Any]) -> list[int]:
    """Positions in ``[kept columns..., new columns...]`` that put every new column where
    the column it replaces was, and the fresh ones last."""
    position_in_base = {original: i for i, original in enumerate(kept)}
    new_position = {name: len(kept) + j for j, name in enumerate(names)}
    order: list[int] = []
    placed: set[Any] = set()
    for i, label in enumerate(columns):
        if i in position_in_base:
            order.append(position_in_base[i])
        elif label not in placed:
            order.append(new_position[label])
            placed.add(label)
    return order + [new_position[n] for n in names if n not in clashes]


def _as_is(values: Any, index: pd.Index) -> Any:
    """An object column as it is: not copied, and not scanned for a better dtype (that
    scan allocates several arrays the length of the frame)."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        return pd.Series(values, index=index, dtype=object, copy=False)
    return values


def original_columns(frame: pd.DataFrame, results: Sequence[str]) -> list[str]:
    """The frame's columns that are not result columns of any verb."""
    taken = set(results)
    return [c for c in frame.columns if c not in taken]
