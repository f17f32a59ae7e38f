"""Result columns into a copy of an ``.xlsx``/``.xlsm``, part by part, as a packager would.

Every member of the source zip is copied as it is (same name, order, date, compression
method, content), except the three kinds a write needs to change:

- the sheet, streamed through :func:`~sr_frames.files.sheet_writer.rewrite_sheet`;
- ``xl/styles.xml``, only when our cells need a style it lacks (a quote-prefix style
  for formula-like text, a date format);
- an Excel Table on that sheet that ends at the table, to take the new columns.

``[Content_Types].xml``, the workbook, shared strings, document properties, VBA,
drawings, charts, images, comments and every other sheet keep their bytes. Nothing is
loaded into an object model: memory holds the frame and one chunk of the sheet.
"""

from __future__ import annotations

import copy
import functools
import re
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sr_frames.defaults import MAX_COLUMN_WIDTH, SHEET_COMPRESSION, ZIP_COPY_CHUNK
from sr_frames.errors import WorkbookError
from sr_frames.files.cell_xml import CellStyles, kinds_needed, render_column, render_header, render_value
from sr_frames.files.grid import (
    check_rows,
    place_columns,
    result_labels,
    shape_of,
    starts_formula,
    to_cell_value,
)
from sr_frames.files.limits import WorkbookLimits
from sr_frames.files.output import atomic_output
from sr_frames.files.package import Package, SheetRef, open_package
from sr_frames.files.parts import add_styles, widen_table
from sr_frames.files.progress import RowsBar
from sr_frames.files.reader import sheet_grid
from sr_frames.files.sheet_layout import SheetLayout, layout_key, recall_layout, remember_layout
from sr_frames.files.sheet_writer import SheetEdit, rewrite_sheet

__all__ = ["write_xlsx"]



def write_xlsx(frame: pd.DataFrame, source: Path, output: Path, sheet: str | None,
               columns: Sequence[Any] | None, limits: WorkbookLimits, progress: bool | str = True) -> None:
    package = open_package(source, limits)
    with package.zip as archive:
        ref = package.pick(sheet)
        shape = _layout(package, ref, progress)
        labels = result_labels(frame, shape, columns)
        check_rows(frame, shape, f"sheet {ref.name!r}")
        places = place_columns(shape, [str(label) for label in labels], shape.occupied, shape.width)
        prefix = _prefix(archive, ref.part)
        new = [(col, str(label)) for label, col in zip(labels, places, strict=True) if col > shape.last_col]
        contiguous = [c for c, _ in new] == list(range(shape.last_col + 1, shape.last_col + 1 + len(new)))
        kinds = set().union(*(kinds_needed(frame[label]) for label in labels)) if labels else set()
        if any(starts_formula(name) for _, name in new):
            kinds.add("text")
        changed: dict[str, bytes] = {}
        styles = CellStyles()
        if kinds and package.styles_part:
            changed[package.styles_part], styles = add_styles(archive.read(package.styles_part), kinds)
        if new and contiguous:
            for kind, target in package.relationships(ref.part).values():
                if kind == "table" and target in archive.NameToInfo:
                    grown = widen_table(archive.read(target), shape.header_row, shape.last_col,
                                        [n for _, n in new])
                    if grown is not None:
                        changed[target] = grown
        edit = _edit(frame, labels, places, shape, styles, prefix, contiguous)
        with atomic_output(output, like=source) as temporary, \
                RowsBar(f"writing {output.name}", len(frame), progress) as bar:
            edit.on_row = lambda row: bar.to(row - shape.first_data_row + 1)
            try:
                _package_copy(archive, temporary, ref.part, edit, changed)
            except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                raise WorkbookError(f"{source.name} is damaged ({error}); open it in a spreadsheet "
                                    "application and save it again") from None
            bar.to(len(frame))


def _layout(package: Package, ref: SheetRef, progress: bool | str) -> SheetLayout:
    """The sheet's layout: as ``read_table`` left it for this very sheet, else read now."""
    key = layout_key(package, ref)
    layout = recall_layout(key)
    if layout is None:
        grid, facts = sheet_grid(package, ref, progress)
        layout = SheetLayout.of(grid, facts, shape_of(grid))
        remember_layout(key, layout)
    return layout


def _prefix(archive: zipfile.ZipFile, part: str) -> bytes:
    with archive.open(part) as stream:
        head = stream.read(1 << 16)
    root = re.search(rb"<(\w+:)?worksheet\b", head)
    return root[1] if root and root[1] else b""


def _edit(frame: pd.DataFrame, labels: list[Any], places: list[int], shape: SheetLayout,
          styles: CellStyles, prefix: bytes, contiguous: bool) -> SheetEdit:
    columns: dict[int, Any] = {}
    headers: dict[int, Callable[[int | None], bytes]] = {}
    widths: dict[int, float] = {}
    replaced: set[int] = set()

    def cell(value: Any) -> bytes | None:
        return render_value(value, styles, prefix)

    for label, col in zip(labels, places, strict=True):
        series = frame[label].reset_index(drop=True)
        columns[col] = render_column(series, cell)
        if col > shape.last_col:
            name = str(label)
            headers[col] = functools.partial(_header, name, styles.text if starts_formula(name) else None,
                                             prefix)
            widths[col] = _width(name, series)
        else:
            replaced.add(col)
    return SheetEdit(header_row=shape.header_row, first_data_row=shape.first_data_row,
                     table_last_col=shape.last_col, headers=headers, columns=columns, replaced=replaced,
                     widths=widths, widen_filter=bool(headers) and contiguous, rows=len(frame),
                     prefix=prefix)


def _header(name: str, own: int | None, prefix: bytes, header_style: int | None) -> bytes:
    """A new header cell: the header row's style, unless the name needs the text style."""
    return render_header(name, own if own is not None else header_style, prefix)


def _width(name: str, series: pd.Series) -> float:
    samples = [name, *series.head(200).tolist()]
    longest = max(len(str(to_cell_value(v) or "")) for v in samples)
    return float(min(max(longest + 2, 10), MAX_COLUMN_WIDTH))


def _package_copy(archive: zipfile.ZipFile, target: Path, sheet_part: str, edit: SheetEdit,
                  changed: dict[str, bytes]) -> None:
    with zipfile.ZipFile(target, "w", allowZip64=True) as out:
        for info in archive.infolist():
            twin = copy.copy(info)
            twin.extra = _without_zip64(info.extra)
            if info.filename == sheet_part:
                twin.compress_type = zipfile.ZIP_DEFLATED
                twin._compresslevel = SHEET_COMPRESSION  # type: ignore[attr-defined]
                twin.file_size = info.file_size + edit.added_bytes()  # decides zip64, as a size hint
                with archive.open(info) as source, out.open(twin, "w") as sink:
                    rewrite_sheet(source, sink.write, edit)
            elif info.filename in changed:
                out.writestr(twin, changed[info.filename])
            elif info.is_dir():
                out.writestr(twin, b"")
            else:
                with archive.open(info) as source, out.open(twin, "w") as sink:
                    shutil.copyfileobj(source, sink, ZIP_COPY_CHUNK)


def _without_zip64(extra: bytes) -> bytes:
    """The extra field without its zip64 record, which the writer adds back if needed."""
    out, pos = [], 0
    while pos + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, pos)
        if kind != 1:
            out.append(extra[pos: pos + 4 + size])
        pos += 4 + size
    return b"".join(out)
