"""Cells: what counts as missing, what text or JSON a cell becomes.

Shared by every layer that reads a frame (the plan, the list helpers, the file
writers). Imports nothing of the package; nothing here talks to the service.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "as_text",
    "contact_id",
    "is_missing",
    "json_record",
    "json_rows",
    "json_safe",
    "unique_columns",
]



def is_missing(value: Any) -> bool:
    """NaN, None, ``pd.NA``, NaT, or an empty or blank string: nothing to send."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))


def _item(value: Any) -> Any:
    return None if is_missing(value) and not isinstance(value, str) else json_safe(value)


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON: numpy scalars to Python, whole floats to ints (a column
    with gaps is float in pandas, but ``42.0`` is still the number 42), timestamps and
    dates to ``YYYY-MM-DD HH:MM:SS`` text, containers item by item (missing items to
    null), anything else to its text. Raises ``ValueError`` for infinity.
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float | np.floating | Decimal):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("infinity is not a JSON number")
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if isinstance(value, str):
        return value
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, datetime | date | time | timedelta | pd.Timedelta):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _item(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [_item(v) for v in value]
    return str(value)


def json_record(keys: Iterable[Any], values: Iterable[Any]) -> dict[str, Any]:
    """One row as a JSON object: ``{str(key): json_safe(value)}``, missing values left
    out (never sent as null). Raises ``ValueError`` for infinity."""
    return {str(k): json_safe(v) for k, v in zip(keys, values, strict=True) if not is_missing(v)}


def json_rows(frame: pd.DataFrame, names: Sequence[Any]) -> tuple[list[dict | None], list[str | None]]:
    """Each row's ``names`` columns as a JSON object (:func:`json_record`), ``None``
    for a row with nothing to send; and per row, why it has nothing (``missing: ...``,
    ``invalid: ...``) or ``None``."""
    out: list[dict | None] = []
    problems: list[str | None] = []
    for values in frame[list(names)].itertuples(index=False, name=None):
        try:
            record = json_record(names, values)
        except ValueError as error:
            out.append(None)
            problems.append(f"invalid: a value is {error}")
            continue
        out.append(record or None)
        problems.append(None if record else "missing: no value in the chosen columns")
    return out, problems


def unique_columns(frame: pd.DataFrame, names: Iterable[Any]) -> None:
    """Raise ``ValueError`` if one of ``names`` labels more than one column of ``frame``."""
    doubled = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]} & set(map(str, names)))
    if doubled:
        raise ValueError(f"column(s) {doubled} appear more than once in the frame; rename them first")


def contact_id(value: Any) -> str | None:
    """A contact id as a plain string: ``{"$oid": "..."}`` or ``"..."`` in, ``"..."`` out;
    ``None`` for a missing one."""
    if isinstance(value, Mapping):
        value = value.get("$oid")
    if is_missing(value):
        return None
    return str(value)


















# --- values to a request field's JSON type ---------------------------------------------
# Each leaves a value it cannot convert as it is, for the client to refuse with the
# field's name (never the value).


def as_text(value: Any) -> str | None:
    """A cell as request text: ``None`` for missing or blank; ``42.0`` reads ``"42"``;
    timestamps and dates read ``YYYY-MM-DD HH:MM:SS``; surrounding blanks are dropped."""
    if type(value) is str:  # the usual cell, without the general checks below
        return value.strip() or None
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime | date | np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    return text or None
