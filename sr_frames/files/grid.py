"""The format-independent half of the workbook round-trip.

``excel.py`` reads a sheet (or a CSV file) into a *grid*: a list of rows, each a list of
cell texts or ``None``. Everything that does not depend on the file format lives here:
where the table is in the grid (``TableShape``), how a cell is shown as text when read,
how a result value becomes a cell when written (lists joined, formula-looking text
defused), the atomic replacement of the output file and the default output name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sr_frames.cells import is_missing
from sr_frames.defaults import EXCEL_MAX_TEXT, HEADER_SEARCH_ROWS
from sr_frames.files.output import default_output_path

__all__ = [
    "FORMULA_TRIGGERS",
    "TablePlace",
    "TableShape",
    "csv_text",
    "default_output_path",
    "defuse",
    "join_values",
    "number_text",
    "place_columns",
    "shape_of",
    "starts_formula",
    "temporal_text",
    "to_cell_value",
    "unique_names",
]

Grid = list[list[str | None]]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat typed text as a formula (OWASP's list)."""

_PADDED_FORMAT = re.compile(r"^(0+)(?:\.(0+))?$")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_PHONE_LIKE = re.compile(r"^\+[\d ().]*\d[\d ().]*$")


# -- where the table is -------------------------------------------------------------


@dataclass(frozen=True)
class TableShape:
    """Where the table sits in a grid; rows and columns are 1-based like a spreadsheet's.

    The header is the first row with at least two filled cells and at least half as many
    as the fullest of the first rows (so a title line above the table is passed over; a
    one-column list starts at its first filled row). The table spans from the header's
    first to its last non-empty cell; data rows run to the last row with a value inside
    those columns (empty rows in between are kept, so row *i* of the frame is always row
    ``header_row + 1 + i`` of the sheet).
    """

    header_row: int
    first_col: int
    last_col: int
    names: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    @property
    def data_rows(self) -> int:
        return len(self.rows)

    def frame(self) -> pd.DataFrame:
        """The data rows as a DataFrame of text (object dtype, ``None`` for empty)."""
        return pd.DataFrame(list(self.rows), columns=list(self.names), dtype=object)


def shape_of(grid: Sequence[Sequence[str | None]]) -> TableShape:
    """Locate the table in ``grid``; an empty grid gives a table with no columns."""
    counts = [sum(_filled(row)) for row in grid[:HEADER_SEARCH_ROWS]]
    if not any(counts):
        return TableShape(1, 1, 0, (), ())
    needed = min(max(counts), max(2, -(-max(counts) // 2)))
    header_index = next(i for i, n in enumerate(counts) if n >= needed)
    header = list(grid[header_index])
    filled = [i for i, cell in enumerate(header) if cell is not None]
    first, last = filled[0], filled[-1]
    rows = [_cells(row, first, last) for row in grid[header_index + 1 :]]
    while rows and not any(_filled(rows[-1])):
        rows.pop()
    names = unique_names(_cells(header, first, last))
    return TableShape(header_index + 1, first + 1, last + 1, tuple(names), tuple(rows))


def _filled(row: Iterable[str | None]) -> Iterator[bool]:
    return (cell is not None for cell in row)


def _cells(row: Sequence[str | None], first: int, last: int) -> tuple[str | None, ...]:
    part = list(row[first : last + 1])
    return tuple(part + [None] * (last + 1 - first - len(part)))


def unique_names(cells: Sequence[str | None]) -> list[str]:
    """Header names as pandas would make them: blanks ``Unnamed: i``, repeats ``x.1``."""
    names: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(cells):
        base = (cell or "").strip() or f"Unnamed: {i}"
        name, n = base, 0
        while name in seen:
            n += 1
            name = f"{base}.{n}"
        seen.add(name)
        names.append(name)
    return names


class TablePlace(Protocol):
    """Where a table sits, without its cells: a :class:`TableShape` or a sheet's layout."""

    @property
    def header_row(self) -> int: ...
    @property
    def first_col(self) -> int: ...
    @property
    def last_col(self) -> int: ...
    @property
    def names(self) -> tuple[str, ...]: ...
    @property
    def data_rows(self) -> int: ...


def place_columns(
    shape: TablePlace, names: Sequence[str], occupied: Callable[[int, int], bool], width: int
) -> list[int]:
    """The sheet column (1-based) for each result column in ``names``.

    A name already in the header keeps its column (its values are updated in place).
    New names go right after the table; if anything sits there within the table's rows,
    they go after the last used column instead, so no cell of the user's is overwritten.
    ``width`` is the sheet's last used column (merged ranges included): nothing lies
    beyond it, so only the columns up to it are looked at.
    """
    existing = {name: shape.first_col + i for i, name in enumerate(shape.names)}
    new = [name for name in names if name not in existing]
    start = shape.last_col + 1
    rows = range(shape.header_row, shape.header_row + shape.data_rows + 1)
    block = range(start, min(start + len(new), width + 1))  # nothing lies beyond the sheet's width
    if any(occupied(row, col) for col in block for row in rows):
        start = max(width, shape.last_col) + 1
    appended = dict(zip(new, range(start, start + len(new)), strict=True))
    return [existing.get(name) or appended[name] for name in names]


# -- reading: a cell as its user sees it ------------------------------------------


def number_text(value: float | int, number_format: str | None = "General") -> str:
    """A number as text, never in scientific notation, zero-padded if the format pads.

    ``4.4207946e+11`` gives ``"442079460958"``; ``123`` under format ``"00000"`` gives
    ``"00123"`` (what Excel shows); ``3.0`` gives ``"3"``.
    """
    section = (number_format or "").split(";")[0].strip()
    padded = _PADDED_FORMAT.match(section)
    if padded:
        return _padded(value, len(padded[1]), len(padded[2] or ""))
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    return np.format_float_positional(value, trim="-")


def _padded(value: float | int, width: int, decimals: int) -> str:
    # Excel rounds half away from zero, Python's round() to even
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(exact):f}".partition(".")
    sign = "-" if exact < 0 else ""
    return sign + whole.zfill(width) + (f".{fraction}" if decimals else "")


def temporal_text(value: date | time | timedelta) -> str:
    """ISO text for dates and times; a midnight timestamp is shown as its date."""
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# -- writing: a result value as a cell ------------------------------------------------


def to_cell_value(value: Any) -> Any:
    """A frame value as something a workbook cell holds.

    Missing values (None, NaN, NA, NaT) and empty lists become ``None`` (an empty cell);
    lists are joined with ``"; "`` and mappings shown as ``key: value`` pairs; numpy
    scalars become Python ones; timezone-aware times become ISO text (workbooks have no
    time zones); text loses the control characters XML cannot carry and is cut to the
    longest text Excel accepts.
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple | set | frozenset):
        return _text(join_values(value)) or None
    if isinstance(value, Mapping):
        return _text(_mapping_text(value)) or None
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime | time) and value.tzinfo is not None:
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bool | int | float | Decimal | date | time | timedelta):
        return value
    return _text(str(value))


def _text(text: str) -> str:
    text = _ILLEGAL_XML.sub("", text)
    if len(text) > EXCEL_MAX_TEXT:
        text = text[: EXCEL_MAX_TEXT - 1] + "…"
    return text


def join_values(items: Iterable[Any]) -> str:
    """List items joined readably: ``"a; b"``; dicts as ``"id: 47, list_name: Leads"``."""
    if isinstance(items, set | frozenset):
        items = sorted(items, key=str)
    return "; ".join(_item_text(item, nested=False) for item in items if not is_missing(item))


def _item_text(item: Any, *, nested: bool) -> str:
    if isinstance(item, Mapping):
        text = _mapping_text(item)
        return "{" + text + "}" if nested else text
    if isinstance(item, list | tuple | set | frozenset | np.ndarray):
        return "[" + ", ".join(_item_text(i, nested=True) for i in item if not is_missing(i)) + "]"
    if isinstance(item, bool | np.bool_):
        return "true" if item else "false"
    if isinstance(item, int | float | np.number):
        return number_text(item.item() if isinstance(item, np.generic) else item)
    return str(item)


def _mapping_text(mapping: Mapping[Any, Any]) -> str:
    return ", ".join(
        f"{key}: {_item_text(v, nested=True)}" for key, v in mapping.items() if not is_missing(v)
    )


def starts_formula(value: Any) -> bool:
    """Whether a spreadsheet would take this text for a formula if it were typed in."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_text(value: Any) -> str:
    """A result value as CSV text: the workbook rendering, with formulas defused.

    A CSV cell cannot say "this is text", so text that a spreadsheet would run as a
    formula gets a leading apostrophe (OWASP's advice): see :func:`defuse`.
    """
    cell = to_cell_value(value)
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int | float):
        return number_text(cell)
    if isinstance(cell, date | time | timedelta):
        return temporal_text(cell)
    return defuse(str(cell))


def defuse(text: str) -> str:
    """``text`` with a leading apostrophe if a spreadsheet would evaluate it.

    Anything starting with ``=``, ``+``, ``-``, ``@``, tab or CR is evaluated, arithmetic
    included (``-1-1``, ``+1-1``, ``+1-202-555-0100``), except two shapes that a
    spreadsheet reads as a plain value: a signed number (``-3``, ``+2.5``) and a phone
    number of digits, spaces, dots and parentheses after its ``+`` (``+44 20 7946 0958``).
    """
    if not text.startswith(FORMULA_TRIGGERS) or _PLAIN_NUMBER.match(text) or _PHONE_LIKE.match(text):
        return text
    return "'" + text


def result_labels(frame: pd.DataFrame, shape: TablePlace, columns: Sequence[Any] | None) -> list[Any]:
    """The frame columns to write: ``columns``, or those the source table lacks."""
    if columns is None:
        labels = [label for label in dict.fromkeys(frame.columns) if str(label) not in shape.names]
    else:
        labels = list(columns)
    unknown = [label for label in labels if label not in frame.columns]
    if unknown:
        raise ValueError(f"columns {unknown} are not in the frame; it has {list(frame.columns)}")
    if len({str(label) for label in labels}) != len(labels) or frame[labels].columns.duplicated().any():
        raise ValueError(f"columns {labels} name a column twice; each result column must be unique")
    return labels


def check_rows(frame: pd.DataFrame, shape: TablePlace, where: str) -> None:
    """A frame written back must have one row per data row of the source table."""
    if len(frame) != shape.data_rows:
        raise ValueError(
            f"the frame has {len(frame)} rows but {where} has {shape.data_rows} data rows; "
            "write the frame read_table returned for it (same rows, same order)"
        )
