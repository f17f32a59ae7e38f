"""Write a frame that has no source workbook (a list read back, your lists, campaign
statistics) to a new ``.xlsx`` or ``.csv``, with the same guarantees as
:func:`sr_frames.files.workbook.write_table`: written to a temporary file and renamed into place,
and text from the service that starts like a formula stored as text, never run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.styles import Font

from sr_frames.files.grid import csv_text, starts_formula, to_cell_value
from sr_frames.files.output import atomic_output

__all__ = ["put_cell", "save_table"]


def save_table(frame: pd.DataFrame, output: str | os.PathLike[str]) -> Path:
    """Write ``frame`` (its columns, not its index) to ``output``; returns the path.

    The kind of file follows the suffix: ``.xlsx`` (a bold, frozen header row) or
    ``.csv`` (UTF-8 with a byte-order mark, which spreadsheet applications read).
    """
    path = Path(output)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"cannot write {path.name}: name a .xlsx or .csv output")
    with atomic_output(path, like=path.parent) as temporary:
        if suffix == ".csv":
            from sr_frames.files.cell_xml import render_column

            table = pd.DataFrame({i: render_column(frame.iloc[:, i].reset_index(drop=True), csv_text)
                                  for i in range(frame.shape[1])}, dtype=object)
            table.columns = [csv_text(str(c)) for c in frame.columns]
            table.to_csv(temporary, index=False, encoding="utf-8-sig")
        else:
            _save_xlsx(frame, temporary)
    return path


def _save_xlsx(frame: pd.DataFrame, path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for col, name in enumerate(frame.columns, start=1):
        put_cell(sheet.cell(1, col), str(name))
        sheet.cell(1, col).font = Font(bold=True)
    for row, values in enumerate(frame.itertuples(index=False), start=2):
        for col, value in enumerate(values, start=1):
            put_cell(sheet.cell(row, col), value)
    sheet.freeze_panes = "A2"
    book.save(path)


def put_cell(cell: Any, value: Any) -> None:
    """Write one value the way every writer here does: plain cell values, and text that
    starts like a formula stored as text (never run by a spreadsheet)."""
    value = to_cell_value(value)
    cell.value = value
    if starts_formula(value):
        # text written by us is never a formula; quotePrefix keeps it text when edited
        cell.data_type = "s"
        cell.quotePrefix = True
