"""Values in and out of frames: what counts as missing, what JSON a cell becomes, and
how a failure reads in a result column.

Shared by the list, push and mailbox helpers. Nothing here talks to the service.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from . import config
from .errors import InvalidResponseError, SalesRocksError, ServerError, TransportError

__all__ = [
    "as_flag",
    "as_integer",
    "as_text",
    "batch_size",
    "budget",
    "contact_id",
    "convert",
    "describe",
    "is_missing",
    "json_record",
    "json_rows",
    "json_safe",
    "may_still_land",
    "maybe_applied",
    "positive",
    "reason",
    "unique_columns",
]

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


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


def reason(error: BaseException) -> str:
    """The failure family of ``error`` (``timeout``, ``server_error``, ...); ``error``
    for anything that is not ours."""
    return error.reason if isinstance(error, SalesRocksError) else "error"


def maybe_applied(error: BaseException) -> bool:
    """Whether a failed request that adds or creates something may have been applied
    by the service (a lost answer, a 5xx, an unreadable answer, anything unforeseen),
    so that sending it again could make a duplicate."""
    if isinstance(error, TransportError):
        return error.maybe_applied
    if isinstance(error, SalesRocksError):
        return isinstance(error, InvalidResponseError | ServerError)
    return True  # assume the worst: never resend blindly


GATEWAY_STATUSES = frozenset({502, 503, 504})
"""Answers from a gateway or proxy: the service behind it may still apply the request."""


def may_still_land(error: BaseException) -> bool:
    """Whether a request that failed with ``error`` may still be applied later: it was
    never answered (timeout, dropped connection, anything unforeseen), or only by a
    gateway in front of the service. A request the service itself answered is done."""
    if isinstance(error, TransportError) or not isinstance(error, SalesRocksError):
        return True
    return getattr(error, "status_code", None) in GATEWAY_STATUSES


def describe(error: BaseException) -> str:
    """``"<reason>: <message>"`` for our errors; the class name alone for anything else
    (a foreign message could quote a request value)."""
    if isinstance(error, SalesRocksError):
        return f"{error.reason}: {error}"
    return f"error: {type(error).__name__}"


def positive(given: int | None, default: int, name: str) -> int:
    """``given`` or ``default``, checked to be a positive integer (``ValueError`` names
    ``name``)."""
    size = given or default
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"{name} must be a positive integer, got {size!r}")
    return size


def budget(max_requests: int | None) -> int | None:
    """``max_requests`` checked to be ``None`` or a whole number >= 0."""
    if max_requests is not None and (not isinstance(max_requests, int) or isinstance(max_requests, bool)
                                     or max_requests < 0):
        raise ValueError(f"max_requests must be a whole number >= 0, not {max_requests!r}")
    return max_requests


def batch_size(given: int | None = None) -> int:
    """The chunk size: ``given``, else the ``batch_size`` setting, else 100."""
    return positive(given or config.settings().batch_size, config.DEFAULT_BATCH_SIZE, "chunk_size")


# --- values to a request field's JSON type ---------------------------------------------
# Each leaves a value it cannot convert as it is, for the client to refuse with the
# field's name (never the value).

def as_text(value: Any) -> Any:
    """Numbers as their text (``993`` and ``993.0`` as ``"993"``), timestamps as
    ``YYYY-MM-DD HH:MM:SS``; a flag is left alone (it is not text)."""
    if isinstance(value, bool | np.bool_):
        return value
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return str(int(value)) if float(value).is_integer() else str(float(value))
    if isinstance(value, datetime | date | np.datetime64):
        return str(pd.Timestamp(value))
    return value


def as_integer(value: Any) -> Any:
    """Whole numbers and digit strings as ``int``; a flag is left alone."""
    if type(value) is int:  # as JSON gives them; the checks below are slower
        return value
    if isinstance(value, bool | np.bool_):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def as_flag(value: Any) -> Any:
    """``True``/``False`` from a flag, ``0``/``1``, or ``true``/``yes``/``1`` and
    ``false``/``no``/``0`` in any case."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return value


_CONVERT: dict[str, Callable[[Any], Any]] = {"string": as_text, "integer": as_integer, "boolean": as_flag}


def convert(value: Any, json_type: str) -> Any:
    """``value`` converted to a request field's JSON type (``string``, ``integer``,
    ``boolean``); other types are left as they are."""
    return _CONVERT.get(json_type, lambda v: v)(value)
