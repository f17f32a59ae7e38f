"""Result columns as the XML of new cells, one column at a time.

A column is rendered by its distinct values: each distinct value is turned into its cell
XML once (categoricals, repeated answers and the one shared list per answer cost one
rendering each), and rows take theirs by code. Text goes in as an inline string
(``t="inlineStr"``) so the shared-strings part is never touched; text a spreadsheet
would evaluate (see :func:`sr_frames.files.grid.starts_formula`) also gets the
quote-prefix style, so it stays text when the user edits the cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from sr_frames.files.grid import starts_formula, to_cell_value

__all__ = ["CellStyles", "escape", "render_column", "render_header", "value_kinds"]

EPOCH = datetime(1899, 12, 30)


@dataclass(frozen=True)
class CellStyles:
    """Style indexes (``s``) our cells use: ``None`` where no style is needed."""

    text: int | None = None
    date: int | None = None
    datetime: int | None = None
    time: int | None = None
    duration: int | None = None


def escape(text: str) -> bytes:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .encode("utf-8", "surrogatepass"))


def _text_cell(text: str, style: int | None, prefix: bytes) -> bytes:
    s = b"" if style is None else b' s="%d"' % style
    space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
    return (b'%s t="inlineStr"><%sis><%st%s>%s</%st></%sis></%sc>'
            % (s, prefix, prefix, space, escape(text), prefix, prefix, prefix))


def _number_cell(number: str, style: int | None, prefix: bytes, kind: bytes = b"") -> bytes:
    s = b"" if style is None else b' s="%d"' % style
    return b"%s%s><%sv>%s</%sv></%sc>" % (s, kind, prefix, number.encode(), prefix, prefix)


def value_kinds(value: Any) -> str | None:
    """Which style a cell value needs: ``text``, ``date``, ... or ``None``."""
    if isinstance(value, str):
        return "text" if starts_formula(value) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return "time"
    if isinstance(value, timedelta):
        return "duration"
    return None


def render_value(value: Any, styles: CellStyles, prefix: bytes = b"",
                 keep: int | None = None) -> bytes | None:
    """The cell XML after ``<c r="..."``, for one frame value; ``None`` for an empty cell.

    ``keep`` is the style of a cell being replaced: kept unless our value needs its own.
    """
    cell = to_cell_value(value)
    if cell is None:
        return None if keep is None else b' s="%d"/>' % keep
    if isinstance(cell, str):
        return _text_cell(cell, styles.text if starts_formula(cell) else keep, prefix)
    if isinstance(cell, bool):
        return _number_cell("1" if cell else "0", keep, prefix, b' t="b"')
    if isinstance(cell, int | Decimal):
        return _number_cell(str(cell), keep, prefix)
    if isinstance(cell, float):
        return _number_cell(repr(cell), keep, prefix) if math.isfinite(cell) else _text_cell(
            str(cell), keep, prefix)
    if isinstance(cell, datetime):
        return _number_cell(_serial((cell - EPOCH) / timedelta(days=1)), styles.datetime, prefix)
    if isinstance(cell, date):
        return _number_cell(str((cell - EPOCH.date()).days), styles.date, prefix)
    if isinstance(cell, time):
        seconds = cell.hour * 3600 + cell.minute * 60 + cell.second + cell.microsecond / 1e6
        return _number_cell(_serial(seconds / 86400), styles.time, prefix)
    if isinstance(cell, timedelta):
        return _number_cell(_serial(cell / timedelta(days=1)), styles.duration, prefix)
    return _text_cell(str(cell), keep, prefix)


def _serial(days: float) -> str:
    return repr(round(days, 10))


def render_header(name: str, style: int | None, prefix: bytes = b"") -> bytes:
    return _text_cell(name, style, prefix)


def render_column(series: pd.Series, render: Callable[[Any], Any]) -> np.ndarray:
    """``render`` applied to every value of ``series``, once per distinct value;
    an object array of ``bytes`` (or ``None``), one per row."""
    if series.dtype != object:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        rendered = [render(u) for u in uniques]
        table = np.empty(len(rendered) + 1, dtype=object)
        table[:-1] = rendered
        table[-1] = render(None)
        return table[codes]
    out = np.empty(len(series), dtype=object)
    seen: dict[Any, Any] = {}
    for i, value in enumerate(series.tolist()):
        try:
            key: Any = (type(value), value)
            hash(key)
        except TypeError:
            key = id(value)
        if key not in seen:
            seen[key] = render(value)
        out[i] = seen[key]
    return out


def kinds_needed(series: pd.Series) -> set[str]:
    """The style kinds a column's values need (one look per distinct value)."""
    found: set[str] = set()
    values = series.dropna()
    if values.dtype != object:
        values = pd.Series(pd.unique(values), dtype=object)
    seen: set[Any] = set()
    for value in values.tolist():
        key = id(value) if isinstance(value, list | dict | set | tuple | np.ndarray) else (type(value), value)
        if key in seen:
            continue
        seen.add(key)
        kind = value_kinds(to_cell_value(value))
        if kind:
            found.add(kind)
    return found
