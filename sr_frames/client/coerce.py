"""Values to a request field's JSON type: text, integer or flag.

Each converter leaves a value it cannot convert as it is, for the body check
(:func:`sr_frames.client.schema.validate_body`) to refuse with the field's name (never
the value).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from sr_frames.cells import as_text

__all__ = ["as_flag", "as_integer", "convert", "to_text"]


_TRUE = frozenset({"true", "yes", "1"})


_FALSE = frozenset({"false", "no", "0"})


def to_text(value: Any) -> Any:
    """A request field of type ``string``: numbers and timestamps as their text
    (:func:`sr_frames.cells.as_text`); a flag, or a value with no text, left alone."""
    if isinstance(value, bool | np.bool_):
        return value
    text = as_text(value)
    return value if text is None else text


def as_integer(value: Any) -> Any:
    """Whole numbers and digit strings as ``int``; a flag is left alone."""
    if type(value) is int:  # as JSON gives them; the checks below are slower
        return value
    if isinstance(value, bool | np.bool_):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(float(value))
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


_CONVERT: dict[str, Callable[[Any], Any]] = {"string": to_text, "integer": as_integer, "boolean": as_flag}


def convert(value: Any, json_type: str) -> Any:
    """``value`` converted to a request field's JSON type (``string``, ``integer``,
    ``boolean``); other types are left as they are."""
    return _CONVERT.get(json_type, lambda v: v)(value)
