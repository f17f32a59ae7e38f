"""A sheet into a grid of cell texts: limits first, then python-calamine (Rust) reads it.

For ``.xlsx``/``.xlsm`` the package's declared sizes, the sheet's reach and the shared
strings are checked, and every XML part calamine will parse is checked for a DTD,
before calamine inflates anything (see :mod:`sr_frames.files.limits`). ``.xls``,
``.xlsb`` and ``.ods`` are read by calamine too, after the checks their format allows
(file size; for the zipped ones the archive and its XML prologs).

Every cell becomes the text its user sees, or ``None`` when empty: numbers never in
scientific notation, zero-padded when their number format pads (``00000``; in ``.xlsx``
and ``.ods``, not ``.xls``, whose formats calamine does not report), dates as ISO text,
formulas as their cached value, errors (``#N/A``) empty.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from sr_frames.errors import WorkbookError
from sr_frames.files.grid import number_text, temporal_text
from sr_frames.files.limits import WorkbookLimits, check_archive, over_limit, refuse_dtd
from sr_frames.files.ods_shown import show_padded_numbers
from sr_frames.files.package import Package, SheetRef
from sr_frames.files.progress import RowsBar
from sr_frames.files.sheet_scan import SheetFacts, scan_sheet

__all__ = ["OTHER_SUFFIXES", "Grid", "other_grid", "sheet_grid"]

Grid = list[list[str | None]]
OTHER_SUFFIXES = (".xls", ".xlsb", ".ods")
_EXACT = float(1 << 53)


def sheet_grid(package: Package, sheet: SheetRef, progress: bool | str = False) -> tuple[Grid, SheetFacts]:
    """The cells of ``sheet`` as text, and what the scan learnt of it (reach, merges)."""
    try:
        return _sheet_grid(package, sheet, progress)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:  # a part that does not inflate
        raise WorkbookError(f"{package.path.name} is damaged ({error}); open it in a spreadsheet "
                            "application and save it again") from None


def _sheet_grid(package: Package, sheet: SheetRef, progress: bool | str) -> tuple[Grid, SheetFacts]:
    label = f"{package.path.name}, sheet {sheet.name!r}"
    _check_shared_strings(package)
    declared = _declared_rows(package, sheet)
    with RowsBar(f"reading {package.path.name}", declared, progress) as bar, \
            package.zip.open(sheet.part) as stream:
        def seen(rows: int, total: int) -> None:
            bar.total(total)
            bar.to(rows // 2)  # the scan is half the work; calamine the other half
        facts = scan_sheet(stream, label, package.limits, package.padded_styles(), seen)
        rows = _calamine_rows(package.path, sheet.name)
        bar.to(facts.rows)
    for (row, col), fmt in facts.padded.items():
        if row <= len(rows) and col <= len(rows[row - 1]):
            value = rows[row - 1][col - 1]
            if type(value) is float:
                rows[row - 1][col - 1] = number_text(value, fmt)
    for (row, col), text in facts.blank_text.items():
        if row <= len(rows) and col <= len(rows[row - 1]) and rows[row - 1][col - 1] == "":
            rows[row - 1][col - 1] = text
    for cells in rows:  # in place: the frame will share these lists' strings
        cells[:] = [v if type(v) is str and v else _text(v) for v in cells]
    return rows, facts


def _declared_rows(package: Package, sheet: SheetRef) -> int:
    """The rows the sheet's ``<dimension>`` declares (0 if none): the bar's total."""
    with package.zip.open(sheet.part) as stream:
        head = stream.read(4096)
    found = re.search(rb'<(?:\w+:)?dimension\s[^>]*?ref="[A-Z]*\d*:?[A-Z]*(\d+)"', head)
    return int(found[1]) if found else 0


def _check_shared_strings(package: Package) -> None:
    for kind, target in package.relationships(package.workbook_part).values():
        if kind == "sharedStrings" and target in package.zip.NameToInfo:
            size = package.zip.getinfo(target).file_size
            if size > package.limits.max_shared_strings_bytes:
                raise over_limit(f"{package.path.name}: its shared strings", size, package.limits,
                                 "max_shared_strings_bytes")
            with package.zip.open(target) as stream:
                refuse_dtd(stream.read(4096), f"{package.path.name}: {target}")


def _calamine_rows(path: Path, name: str | None, index: int | None = None) -> list[list[Any]]:
    try:
        book = CalamineWorkbook.from_path(str(path))
        try:
            sheet = book.get_sheet_by_name(name) if name is not None else book.get_sheet_by_index(index or 0)
            return sheet.to_python(skip_empty_area=False)
        finally:
            book.close()
    except WorkbookError:
        raise
    except Exception as error:  # calamine's errors: broken, encrypted or unsupported files
        raise WorkbookError(f"{path.name} is not a readable workbook ({error}); open it in a spreadsheet "
                            "application and save it again as .xlsx (password-protected workbooks "
                            "cannot be read)") from None


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT:
            return str(int(value))
        return number_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date | time | timedelta):
        return temporal_text(value)
    return str(value)


def other_grid(path: Path, sheet: str | None, limits: WorkbookLimits) -> tuple[str, Grid]:
    """An ``.xls``, ``.xlsb`` or ``.ods`` sheet (the named one, else the first visible)."""
    size = path.stat().st_size
    if size > limits.max_part_bytes:
        raise over_limit(f"{path.name}: its size", size, limits, "max_part_bytes")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            check_archive(archive, path.name, limits)
            for info in archive.infolist():
                if info.filename.endswith(".xml"):
                    with archive.open(info) as stream:
                        refuse_dtd(stream.read(4096), f"{path.name}: {info.filename}")
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = [m.name for m in book.sheets_metadata if str(m.typ).endswith("WorkSheet")] or book.sheet_names
        visible = [m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")]
        book.close()
    except Exception as error:
        raise WorkbookError(f"{path.name} is not a readable workbook ({error}); open it in a spreadsheet "
                            "application and save it again as .xlsx") from None
    if sheet is None:
        title = next((n for n in names if n in visible), names[0] if names else None)
        if title is None:
            raise ValueError(f"{path.name} has no worksheet; nothing to read")
    else:
        matches = [n for n in names if n == sheet] or [n for n in names if n.lower() == sheet.lower()]
        if len(matches) != 1:
            listed = ", ".join(repr(n) for n in names)
            raise ValueError(f"{path.name} has no sheet named {sheet!r}; its sheets are {listed}")
        title = matches[0]
    rows = _calamine_rows(path, title)
    cells = len(rows) * max((len(r) for r in rows), default=0)
    if cells > limits.max_cells:
        raise over_limit(f"{path.name}, sheet {title!r}: its used range", cells, limits, "max_cells")
    grid = [[v if type(v) is str and v else _text(v) for v in row] for row in rows]
    if path.suffix.lower() == ".ods":
        show_padded_numbers(path, title, grid)
    return title, grid
