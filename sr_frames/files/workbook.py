"""Workbook round-trip: read a lead list, write result columns back into a copy.

``read_table`` gives the table of one sheet as text, the way the user sees it (phone
numbers, ids and postal codes keep their "+" and leading zeros). ``write_table`` writes
a copy of the source with result columns added right of that table, every part of the
workbook it does not have to change copied byte for byte (see
:mod:`sr_frames.files.xlsx_writer`).

What a caller must know:

- The source file is never written unless ``in_place=True``.
- Values we write that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``,
  tab, CR) are stored as text, so a result can never execute in the user's workbook.
- ``.xls``, ``.xlsb`` and ``.ods`` are read; results of them are written as a new
  ``.xlsx`` beside them (the table only: those formats are not rewritten).
- Input files are checked against :class:`~sr_frames.files.limits.WorkbookLimits`
  before anything is inflated; a refused or unreadable file raises ``WorkbookError``.
- ``write_table`` finds the table in the source sheet exactly as ``read_table`` does, so
  the frame must have one row per data row, in the order ``read_table`` returned them.
  After a ``read_table`` of the same, unchanged sheet in this process it reuses what
  that read found instead of reading the sheet again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sr_frames.files.csv_files import read_csv_table, write_csv
from sr_frames.files.grid import check_rows, default_output_path, result_labels, shape_of
from sr_frames.files.limits import WorkbookLimits
from sr_frames.files.output import check_output
from sr_frames.files.package import open_package
from sr_frames.files.reader import OTHER_SUFFIXES, other_grid, sheet_grid
from sr_frames.files.saving import save_table
from sr_frames.files.sheet_layout import SheetLayout, layout_key, remember_layout

__all__ = ["CSV_SUFFIXES", "XLSX_SUFFIXES", "default_output_path", "read_table", "write_table"]

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".tsv")
READABLE = XLSX_SUFFIXES + OTHER_SUFFIXES + CSV_SUFFIXES


def read_table(path: str | os.PathLike[str], sheet: str | None = None, *,
               limits: WorkbookLimits | None = None, progress: bool | str = True,
               encoding: str | None = None) -> pd.DataFrame:
    """The table of one sheet (the named one, else the active one) or of a CSV file.

    The header is the first row with at least half as many filled cells as the fullest of
    the first rows (title lines above it are passed over). Every cell comes back as the
    text its user sees, or ``None`` when empty: numbers never in scientific notation,
    zero-padded when their number format pads (``"00000"``), dates as ISO text. Formula
    cells give their last calculated value, ``None`` if the workbook was never
    calculated; error values (``#N/A``) are empty. Columns are object dtype; blank header
    cells are named ``Unnamed: i`` and repeated names ``name.1``, as pandas names them.

    Raises ``FileNotFoundError`` for a missing file, ``ValueError`` for an unknown sheet
    (the message lists the sheets) or an unsupported file type, and ``WorkbookError``
    (a ``ValueError``) for a file over a limit or unreadable. ``encoding`` names a CSV
    file's encoding when it is neither UTF-8 nor Windows-1252; ``limits`` raises limits;
    ``progress`` shows a rows bar (``True``: in a terminal, for large files).
    """
    path = _existing(path)
    limits = limits or WorkbookLimits.from_env()
    if _is_csv(path):
        _no_sheet_in_csv(path, sheet)
        return read_csv_table(path, limits, progress, encoding)
    if path.suffix.lower() in OTHER_SUFFIXES:
        return shape_of(other_grid(path, sheet, limits)[1]).frame()
    package = open_package(path, limits)
    with package.zip:
        ref = package.pick(sheet)
        grid, facts = sheet_grid(package, ref, progress)
        shape = shape_of(grid)
        remember_layout(layout_key(package, ref), SheetLayout.of(grid, facts, shape))
    del grid  # the shape holds the rows now; the frame is built from them alone
    return shape.frame()


def write_table(
    frame: pd.DataFrame,
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    columns: Sequence[str] | None = None,
    in_place: bool = False,
    limits: WorkbookLimits | None = None,
    progress: bool | str = True,
    encoding: str | None = None,
) -> Path:
    """Write result columns of ``frame`` into a copy of ``source`` saved as ``output``.

    ``columns`` defaults to the frame's columns that the source table does not have.
    They are appended right of the table, headers styled like the table's last header
    cell; a named column the table already has is updated in place instead. ``frame``
    must have one row per data row of the sheet, in ``read_table`` order (its index is
    ignored). Lists are joined with ``"; "``; missing values leave the cell empty.

    The output is written to a temporary file beside it and renamed over it, so it is
    either complete or untouched. ``output`` must have the source's file type (``.xlsx``
    for ``.xls``, ``.xlsb``, ``.ods`` sources) and must not be the source itself unless
    ``in_place=True`` (then it must be). A CSV output has the source's encoding unless
    ``encoding`` names another (a character the source's encoding cannot hold is an
    error that says so). Returns the output path.
    """
    source = _existing(source)
    output = check_output(output, source, in_place=in_place)
    limits = limits or WorkbookLimits.from_env()
    if _is_csv(source):
        _no_sheet_in_csv(source, sheet)
        write_csv(frame, source, output, columns, limits, progress, encoding)
    elif source.suffix.lower() in OTHER_SUFFIXES:
        _write_converted(frame, source, output, sheet, columns, limits)
    else:
        from sr_frames.files.xlsx_writer import write_xlsx

        write_xlsx(frame, source, output, sheet, columns, limits, progress)
    return output


def _write_converted(frame: pd.DataFrame, source: Path, output: Path, sheet: str | None,
                     columns: Sequence[str] | None, limits: WorkbookLimits) -> None:
    """An ``.xls``/``.xlsb``/``.ods`` source: its table plus the results, as a new ``.xlsx``."""
    title, grid = other_grid(source, sheet, limits)
    shape = shape_of(grid)
    check_rows(frame, shape, f"sheet {title!r}")
    labels = result_labels(frame, shape, columns)
    table = shape.frame()
    results = frame[labels].reset_index(drop=True)
    combined = pd.concat([table.drop(columns=[c for c in results.columns if c in table.columns]),
                          results], axis=1)
    save_table(combined[[*dict.fromkeys([*table.columns, *results.columns])]], output)


def _existing(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; check the path and the file name")
    if path.suffix.lower() not in READABLE:
        raise ValueError(f"{path.name}: unsupported file type {path.suffix!r}; "
                         f"use one of {', '.join(READABLE)}")
    return path


def _is_csv(path: Path) -> bool:
    return path.suffix.lower() in CSV_SUFFIXES


def _no_sheet_in_csv(path: Path, sheet: str | None) -> None:
    if sheet is not None:
        raise ValueError(f"{path.name} is a CSV file and has no sheets; leave the sheet out")
