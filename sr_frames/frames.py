"""Frame plumbing shared by every verb: find input columns, add result columns.

The caller's frame is never modified: results are built per distinct slot, scattered
to rows with one ``take``, and joined in one ``concat`` on the caller's own index
(duplicated or not), so row order and index survive and pandas never fragments.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .endpoints import WHOLE_ANSWER, Endpoint
from .plan import Plan

__all__ = ["attach", "input_columns", "result_columns"]



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


def input_columns(frame: pd.DataFrame, wanted: Mapping[str, tuple[str, str]]) -> dict[str, pd.Series]:
    """``{field: frame[column]}`` for ``wanted`` = ``{field: (argument, column)}``."""
    found = {}
    for field, (argument, column) in wanted.items():
        if column not in frame.columns:
            raise column_error(frame, column, argument)
        selected = frame[column]
        if isinstance(selected, pd.DataFrame):
            raise KeyError(f"column {column!r} appears {selected.shape[1]} times in the frame; "
                           "rename the duplicates first")
        found[field] = selected
    return found


def _integer(value: Any) -> Any:
    """Confidence values come as strings or numbers (reading 7 in the README)."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _value(endpoint: Endpoint, answer: Any, field: str) -> Any:
    if field == WHOLE_ANSWER:
        return answer
    if not isinstance(answer, dict):
        return None
    value = answer.get(field)
    return _integer(value) if field in endpoint.integer_answers else value


def result_columns(plan: Plan, prefix: str = "") -> dict[str, Any]:
    """Result columns for every row of ``plan``: answers by field, failures in the error column."""
    endpoint: Endpoint = plan.endpoint
    per_slot: dict[str, list[Any]] = {prefix + c: [] for c in endpoint.columns.values()}
    errors: list[Any] = []
    for slot in plan.slots:
        for field, column in endpoint.columns.items():
            per_slot[prefix + column].append(_value(endpoint, slot.answer, field))
        errors.append(slot.error)
    if endpoint.error_column:
        per_slot[prefix + endpoint.error_column] = errors
    return {name: _scatter(values, plan.row_slot) for name, values in per_slot.items()}


def _scatter(values: list[Any], row_slot: np.ndarray) -> Any:
    """Per-slot values to per-row values: lists stay Python lists, one per cell; whole
    numbers become nullable ``Int64``; text takes pandas' own string inference."""
    slots = np.empty(len(values), dtype=object)
    slots[:] = values
    rows = slots.take(row_slot)
    present = [v for v in values if v is not None]
    if any(isinstance(v, list | dict) for v in present):
        return rows
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pd.array(rows, dtype="Int64")
    if present and all(isinstance(v, bool) for v in present):
        return pd.array(rows, dtype="boolean")
    return pd.Series(rows, copy=False).infer_objects().array


def attach(frame: pd.DataFrame, columns: Mapping[str, Any], *, overwrite: bool) -> pd.DataFrame:
    """A new frame: ``frame``'s columns, then ``columns``, on ``frame``'s index."""
    clashes = [c for c in columns if c in frame.columns]
    if clashes and not overwrite:
        raise ValueError(
            f"result column(s) {', '.join(repr(c) for c in clashes)} already exist in the frame; "
            "pass overwrite=True to replace them, or prefix='...' to add them under other names"
        )
    base = frame.drop(columns=clashes) if clashes else frame
    added = pd.DataFrame(dict(columns), index=frame.index)
    result = pd.concat([base, added], axis=1) if len(base.columns) else added
    if clashes:  # replaced columns stay where they were
        fresh = [c for c in columns if c not in clashes]
        result = result[[*frame.columns, *fresh]]
    return result


def original_columns(frame: pd.DataFrame, results: Sequence[str]) -> list[str]:
    """The frame's columns that are not result columns of any verb."""
    taken = set(results)
    return [c for c in frame.columns if c not in taken]
