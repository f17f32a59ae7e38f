"""Workbook round-trip: read a lead list from .xlsx or .csv, write result columns back.

``read_table`` gives the table of one sheet as text, the way the user sees it (phone
numbers, ids and postal codes keep their "+" and leading zeros). ``write_table`` copies
the source workbook, appends result columns to the right of that table and saves the
copy atomically; everything else in the workbook (other sheets, styles, formulas,
merged cells, frozen panes, column widths, data validation) is carried over by openpyxl.

What a caller must know:

- The source file is never written unless ``in_place=True``.
- Values we write that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``)
  are stored as text, so a result can never execute in the user's workbook.
- openpyxl does not carry images, charts or drawn shapes over (it warns when it drops
  them), and formula cells keep their formula but lose their cached result until the
  workbook is opened and recalculated in a spreadsheet application.
- ``write_table`` reads the source sheet once more exactly as ``read_table`` does, so the
  frame must have one row per data row, in the order ``read_table`` returned them.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Sequence
from copy import copy
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from sr_frames.files.csv_files import csv_grid, sniff, write_csv
from sr_frames.files.grid import (
    TableShape,
    atomic_output,
    check_rows,
    default_output_path,
    number_text,
    place_columns,
    result_labels,
    shape_of,
    starts_formula,
    temporal_text,
    to_cell_value,
)

__all__ = ["CSV_SUFFIXES", "XLSX_SUFFIXES", "default_output_path", "read_table", "write_table"]

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".tsv")
MAX_WIDTH = 50


def read_table(path: str | os.PathLike[str], sheet: str | None = None) -> pd.DataFrame:
    """The table of one sheet (the named one, else the active one) or of a CSV file.

    The header is the first non-empty row. Every cell comes back as the text its user
    sees, or ``None`` when empty: numbers never in scientific notation, zero-padded when
    their number format pads (``"00000"``), dates as ISO text. Formula cells give their
    last calculated value, ``None`` if the workbook was never calculated; error values
    (``#N/A``) are empty. Columns are object dtype; blank header cells are named
    ``Unnamed: i`` and repeated names ``name.1``, as pandas names them.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` for an unknown
    sheet (the message lists the sheets), an unsupported file type or an unreadable file.
    """
    path = _existing(path)
    if _is_csv(path):
        _no_sheet_in_csv(path, sheet)
        return shape_of(csv_grid(path, sniff(path))).frame()
    return shape_of(_xlsx_grid(path, sheet)[1]).frame()


def write_table(
    frame: pd.DataFrame,
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    columns: Sequence[str] | None = None,
    in_place: bool = False,
) -> Path:
    """Write result columns of ``frame`` into a copy of ``source`` saved as ``output``.

    ``columns`` defaults to the frame's columns that the source table does not have.
    They are appended right of the table, headers styled like the table's last header
    cell; a named column the table already has is updated in place instead. ``frame``
    must have one row per data row of the sheet, in ``read_table`` order (its index is
    ignored). Lists are joined with ``"; "``; missing values leave the cell empty.

    The output is written to a temporary file beside it and renamed over it, so it is
    either complete or untouched. ``output`` must have the source's file type and must
    not be the source itself unless ``in_place=True`` (then it must be). Returns the
    output path.
    """
    source, output = _existing(source), Path(output)
    _check_output(source, output, in_place)
    if _is_csv(source):
        _no_sheet_in_csv(source, sheet)
        write_csv(frame, source, output, columns)
    else:
        _write_xlsx(frame, source, output, sheet, columns)
    return output


# -- checks shared by both formats ----------------------------------------------------


def _existing(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; check the path and the file name")
    if path.suffix.lower() not in XLSX_SUFFIXES + CSV_SUFFIXES:
        hint = " (save it from Excel as .xlsx)" if path.suffix.lower() == ".xls" else ""
        raise ValueError(
            f"{path.name}: unsupported file type {path.suffix!r}{hint}; "
            f"use one of {', '.join(XLSX_SUFFIXES + CSV_SUFFIXES)}"
        )
    return path


def _is_csv(path: Path) -> bool:
    return path.suffix.lower() in CSV_SUFFIXES


def _no_sheet_in_csv(path: Path, sheet: str | None) -> None:
    if sheet is not None:
        raise ValueError(f"{path.name} is a CSV file and has no sheets; leave the sheet out")


def _check_output(source: Path, output: Path, in_place: bool) -> None:
    if output.suffix.lower() != source.suffix.lower():  # .xlsm keeps its macros only as .xlsm
        raise ValueError(
            f"output {output.name} must be the same kind of file as {source.name}; "
            f"name it like {default_output_path(source).name}"
        )
    same = output.exists() and os.path.samefile(source, output)
    if in_place and not same:
        raise ValueError(f"in_place=True writes over the source: output must be {source}")
    if same and not in_place:
        raise ValueError(
            f"output {output} is the source file; choose another output, "
            "or pass in_place=True to overwrite the source"
        )


# -- xlsx ---------------------------------------------------------------------------------


def _open_workbook(path: Path, *, for_editing: bool) -> Workbook:
    try:
        return openpyxl.load_workbook(
            path,
            read_only=not for_editing,
            data_only=not for_editing,
            rich_text=for_editing,
            keep_vba=for_editing and path.suffix.lower() == ".xlsm",
        )
    except (zipfile.BadZipFile, InvalidFileException, KeyError) as error:
        raise ValueError(
            f"{path.name} is not a readable workbook ({error}); open it in Excel and save it "
            "again as .xlsx (password-protected workbooks cannot be read)"
        ) from None


def _pick_sheet(book: Workbook, sheet: str | None, path: Path) -> Worksheet:
    names = [ws.title for ws in book.worksheets]
    if not names:
        raise ValueError(f"{path.name} has no worksheet (only charts); nothing to read")
    if sheet is None:
        active = book.active
        return active if active in book.worksheets else book.worksheets[0]
    matches = [n for n in names if n == sheet] or [n for n in names if n.lower() == sheet.lower()]
    if len(matches) != 1:
        listed = ", ".join(repr(n) for n in names)
        raise ValueError(f"{path.name} has no sheet named {sheet!r}; its sheets are {listed}")
    return book[matches[0]]


def _xlsx_grid(path: Path, sheet: str | None) -> tuple[str, list[list[str | None]]]:
    """The sheet's title and its cells as text, read as ``read_table`` sees them."""
    book = _open_workbook(path, for_editing=False)
    try:
        ws = _pick_sheet(book, sheet, path)
        ws.reset_dimensions()  # a file may state wrong dimensions; read every row there is
        return ws.title, [[_cell_text(cell) for cell in row] for row in ws.iter_rows()]
    finally:
        book.close()


def _cell_text(cell: Any) -> str | None:
    value = cell.value
    if value is None or getattr(cell, "data_type", None) == "e":
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return number_text(value, cell.number_format)
    if isinstance(value, date | time | timedelta):
        return temporal_text(value)
    return str(value)


def _write_xlsx(
    frame: pd.DataFrame, source: Path, output: Path, sheet: str | None, columns: Sequence[Any] | None
) -> None:
    title, grid = _xlsx_grid(source, sheet)
    shape = shape_of(grid)
    labels = result_labels(frame, shape, columns)
    check_rows(frame, shape, f"sheet {title!r}")
    book = _open_workbook(source, for_editing=True)
    ws = book[title]
    places = place_columns(shape, [str(label) for label in labels], _occupied(ws), ws.max_column)
    for label, col in zip(labels, places, strict=True):
        values = frame[label].tolist()
        if col > shape.last_col:
            _append_header(ws, shape, col, str(label), values)
        _write_values(ws, shape, col, values, styled=col > shape.last_col)
    _widen_filters(ws, shape, places, [str(label) for label in labels])
    with atomic_output(output, like=source) as temporary:
        book.save(temporary)


def _existing_cell(ws: Worksheet, row: int, col: int) -> Cell | None:
    # ws.cell() would create the cell; looking must not change the sheet
    return ws._cells.get((row, col))


def _occupied(ws: Worksheet) -> Callable[[int, int], bool]:
    def occupied(row: int, col: int) -> bool:
        cell = _existing_cell(ws, row, col)
        return isinstance(cell, MergedCell) or (cell is not None and cell.value is not None)

    return occupied


def put_cell(cell: Cell, value: Any) -> None:
    """Write one value the way every writer here does: plain cell values, and text that
    starts like a formula stored as text (never run by a spreadsheet)."""
    value = to_cell_value(value)
    cell.value = value
    if starts_formula(value):
        # text written by us is never a formula; quotePrefix keeps it text when edited
        cell.data_type = "s"
        cell.quotePrefix = True


def _append_header(ws: Worksheet, shape: TableShape, col: int, name: str, values: list[Any]) -> None:
    cell = ws.cell(shape.header_row, col)
    put_cell(cell, name)
    model = _existing_cell(ws, shape.header_row, shape.last_col)
    if model is not None and model.has_style:
        _copy_style(model, cell, "font", "fill", "border", "alignment", "number_format", "protection")
    _fit_width(ws, col, [name, *values[:200]])


def _write_values(ws: Worksheet, shape: TableShape, col: int, values: list[Any], *, styled: bool) -> None:
    for offset, value in enumerate(values):
        row = shape.first_data_row + offset
        cell = ws.cell(row, col)
        put_cell(cell, value)
        model = _existing_cell(ws, row, shape.last_col) if styled else None
        if model is not None and model.has_style:
            # the table's grid lines, not the neighbour's fonts, formats or highlights
            _copy_style(model, cell, "border")


def _copy_style(model: Cell, cell: Cell, *names: str) -> None:
    for name in names:
        setattr(cell, name, copy(getattr(model, name)))


def _fit_width(ws: Worksheet, col: int, samples: list[Any]) -> None:
    if any((d.min or 0) <= col <= (d.max or 0) for d in ws.column_dimensions.values()):
        return  # the user already sized this column
    longest = max(len(str(to_cell_value(v) or "")) for v in samples)
    ws.column_dimensions[get_column_letter(col)].width = min(max(longest + 2, 10), MAX_WIDTH)


def _widen_filters(ws: Worksheet, shape: TableShape, places: list[int], names: list[str]) -> None:
    """Stretch the sheet's filter and an Excel table that end at our table to the new columns."""
    new = [(col, name) for col, name in zip(places, names, strict=True) if col > shape.last_col]
    if not new or [col for col, _ in new] != list(range(shape.last_col + 1, shape.last_col + 1 + len(new))):
        return
    last = new[-1][0]
    if ws.auto_filter.ref:
        ws.auto_filter.ref = _widened(ws.auto_filter.ref, shape, last)
    for table in ws.tables.values():
        widened = _widened(table.ref, shape, last)
        if widened == table.ref or table.totalsRowCount:
            continue
        next_id = max((c.id for c in table.tableColumns), default=0) + 1
        table.tableColumns.extend(TableColumn(id=next_id + i, name=name) for i, (_, name) in enumerate(new))
        table.ref = widened
        if table.autoFilter is not None:
            table.autoFilter.ref = widened


def _widened(ref: str, shape: TableShape, last: int) -> str:
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    if min_row != shape.header_row or max_col != shape.last_col:
        return ref
    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(last)}{max_row}"
