"""Where a sheet's table lies and which cells beside it are taken: what a write needs.

Writing result columns into a sheet needs the table's place (header row, columns,
number of data rows) and, to put new columns where no cell of the user's is, which
columns right of the table hold something within its rows. Finding that takes reading
the whole sheet. ``read_table`` has just done so in the usual flow (read, enrich,
write), so it leaves the layout here and ``write_table`` takes it instead of reading
the sheet a second time.

A layout is remembered by the sheet's identity in the package: the path and the CRC-32
and size, from the zip's directory, of every part its cells' text depends on (the sheet,
the shared strings, the styles). A file saved again with other cells has other CRCs and
is read again; a few layouts are kept, each a handful of numbers and names.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from sr_frames.defaults import SHEET_LAYOUTS_KEPT
from sr_frames.files.grid import TableShape
from sr_frames.files.package import Package, SheetRef
from sr_frames.files.sheet_scan import SheetFacts

__all__ = ["SheetLayout", "forget_layouts", "layout_key", "recall_layout", "remember_layout"]

LayoutKey = tuple[object, ...]


@dataclass(frozen=True)
class SheetLayout:
    """A sheet's table without its cells: what :func:`~sr_frames.files.xlsx_writer.write_xlsx`
    needs to place result columns and check the frame against the sheet."""

    header_row: int
    first_col: int
    last_col: int
    names: tuple[str, ...]
    data_rows: int
    width: int
    """The sheet's last used column, merged ranges included."""
    taken: frozenset[int]
    """Columns right of the table that hold a cell (or a merged range) within its rows."""

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    def occupied(self, row: int, col: int) -> bool:
        """Whether ``col`` holds something within the table's rows (``row`` is one of them)."""
        return col in self.taken

    @classmethod
    def of(cls, grid: Sequence[Sequence[str | None]], facts: SheetFacts, shape: TableShape) -> SheetLayout:
        """The layout of ``grid`` (a sheet read as text), whose table is ``shape``."""
        top, bottom = shape.header_row, shape.header_row + len(shape.rows)
        width = max([facts.columns, len(grid[0]) if grid else 0, *(c2 for _, _, _, c2 in facts.merged)])
        taken = {col + 1 for row in grid[top - 1:bottom] if len(row) > shape.last_col
                 for col in range(shape.last_col, len(row)) if row[col] is not None}
        taken.update(col for r1, c1, r2, c2 in facts.merged if r1 <= bottom and r2 >= top
                     for col in range(max(c1, shape.last_col + 1), c2 + 1))
        return cls(shape.header_row, shape.first_col, shape.last_col, shape.names, len(shape.rows),
                   width, frozenset(taken))


_KEPT: OrderedDict[LayoutKey, SheetLayout] = OrderedDict()
_LOCK = threading.Lock()


def layout_key(package: Package, sheet: SheetRef) -> LayoutKey:
    """The identity of ``sheet``: the file, and the parts its cells' text depends on."""
    strings = [target for kind, target in package.relationships(package.workbook_part).values()
               if kind == "sharedStrings"]
    parts = [sheet.part, package.styles_part, *strings]
    infos = [package.zip.NameToInfo.get(part) if part else None for part in parts]
    return (str(package.path.resolve()), sheet.name, *parts,
            *((info.CRC, info.file_size) if info else None for info in infos))


def remember_layout(key: LayoutKey, layout: SheetLayout) -> None:
    with _LOCK:
        _KEPT[key] = layout
        _KEPT.move_to_end(key)
        while len(_KEPT) > SHEET_LAYOUTS_KEPT:
            _KEPT.popitem(last=False)


def recall_layout(key: LayoutKey) -> SheetLayout | None:
    with _LOCK:
        return _KEPT.get(key)


def forget_layouts() -> None:
    """Forget every layout (the next write reads its sheet again)."""
    with _LOCK:
        _KEPT.clear()
