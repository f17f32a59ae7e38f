"""The one sheet a write changes, rewritten as a stream: new cells in, nothing else moved.

The sheet's XML is read in chunks and written out as it goes. Everything outside the
rows of our table is copied as it came. Inside them each existing cell keeps its bytes
(value, type, style, formula, cached value); our cells are inserted in column order
(usually at the end of the row), a row the sheet leaves out (an empty row) is written
new, ``spans`` is widened to cover the new cells, ``<dimension>`` and an
``<autoFilter>`` that ends at the table are widened, and new columns get a ``<col>``
width unless the user's ``<cols>`` already sizes them.

Rows and cells without ``r`` are numbered as the format says (one after the previous).
A cell we replace (a result column already in the table, ``overwrite``) keeps its
style; one holding a formula is refused, since its dependents (shared formulas, the
calculation chain) would break.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np

from sr_frames.defaults import SHEET_ROWS_PER_BLOCK
from sr_frames.files.parts import widen_ref
from sr_frames.files.sheet_scan import chunks, column_index, column_letter

__all__ = ["SheetEdit", "rewrite_sheet"]

_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*?(/?)>")
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?/>|<(?:\w+:)?row\b[^>]*>.*?</(?:\w+:)?row>|</(?:\w+:)?sheetData>",
                  re.S)
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_SPANS = re.compile(rb'\sspans="(\d+):(\d+)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?(?:/>|>.*?</(?:\w+:)?c>)", re.S)
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]+)(\d+)"')  # used with match()
_CELL_STYLE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\ss="(\d+)"')
_DIMENSION = re.compile(rb'(<(?:\w+:)?dimension\b[^>]*?\sref=")([^"]*)(")')
_AUTOFILTER = re.compile(rb'(<(?:\w+:)?autoFilter\b[^>]*?\sref=")([^"]*)(")')
_COLS = re.compile(rb"<((?:\w+:)?)cols\b[^>]*>(.*?)</(?:\w+:)?cols>", re.S)
_COL_RANGE = re.compile(rb'<(?:\w+:)?col\b[^>]*?\smin="(\d+)"[^>]*?\smax="(\d+)"|'
                        rb'<(?:\w+:)?col\b[^>]*?\smax="(\d+)"[^>]*?\smin="(\d+)"')


@dataclass
class SheetEdit:
    """What to put in the sheet: ``columns[col]`` holds one cell suffix per data row
    (``None`` for no cell), ``headers[col]`` the header cell suffix; ``header_style``
    gives the new header cells their style once the header row is seen."""

    header_row: int
    first_data_row: int
    table_last_col: int
    headers: dict[int, Callable[[int | None], bytes]]
    columns: dict[int, np.ndarray]
    replaced: set[int]
    widths: dict[int, float]
    widen_filter: bool
    rows: int
    prefix: bytes = b""
    on_row: Callable[[int], None] | None = None
    _header_style: int | None = field(default=None, init=False)
    _block: tuple[int, list[bytes]] = field(default=(-1, []), init=False)

    @property
    def last_row(self) -> int:
        return self.first_data_row + self.rows - 1

    def added_bytes(self) -> int:
        """About how many bytes our cells add (decides whether the zip needs zip64)."""
        total = 0
        for values in self.columns.values():
            total += sum(len(v) + 24 for v in values if v is not None)
        return total + 1024 * (len(self.headers) + 1)

    @property
    def last_new_col(self) -> int:
        return max(self.columns, default=0)

    def appended(self, row: int) -> bytes:
        """All our cells of data row ``row``, in column order, as one piece of XML (for
        rows whose own cells all lie left of ours). Built for a block of rows at a time,
        one column after another, so a row costs one look-up rather than a call per cell."""
        index = row - self.first_data_row
        start, cells = self._block
        if not 0 <= index - start < len(cells):
            start = index - index % SHEET_ROWS_PER_BLOCK
            self._block = start, cells = start, self._render_block(start)
        return cells[index - start]

    def _render_block(self, start: int) -> list[bytes]:
        stop = min(start + SHEET_ROWS_PER_BLOCK, self.rows)
        numbers = range(self.first_data_row + start, self.first_data_row + stop)
        prefix = self.prefix
        columns = [(_letters(col), self.columns[col]) for col in sorted(self.columns)]
        per_column = [[b"" if suffix is None else b'<%sc r="%s%d"%s' % (prefix, letters, row, suffix)
                       for row, suffix in zip(numbers, values[start:stop].tolist(), strict=True)]
                      for letters, values in columns]
        return list(map(b"".join, zip(*per_column, strict=True))) if per_column else [b""] * (stop - start)


def rewrite_sheet(source: IO[bytes], write: Callable[[bytes], object], edit: SheetEdit) -> None:
    """Stream ``source`` (the sheet's XML) to ``write`` with ``edit`` applied."""
    pieces = chunks(source)
    buffer = b""
    for piece in pieces:
        buffer += piece
        match = _SHEET_DATA.search(buffer)
        if match:
            break
    else:
        raise ValueError("the sheet has no <sheetData>; save it again from a spreadsheet application")
    edit.prefix = match[1]
    write(_head(buffer[: match.start()], edit))
    if match[2]:  # <sheetData/>: an empty sheet
        write(b"<%ssheetData>" % edit.prefix)
        write(b"".join(_new_rows(edit, 1, edit.last_row)))
        write(b"</%ssheetData>" % edit.prefix)
        rest = buffer[match.end():]
    else:
        write(match[0])
        rest = _rows(buffer[match.end():], pieces, write, edit)
    write(_tail(rest, edit))
    for piece in pieces:
        write(_tail(piece, edit))


def _head(head: bytes, edit: SheetEdit) -> bytes:
    if edit.last_new_col:
        head = _DIMENSION.sub(lambda m: m[1] + _wider_dimension(m[2].decode(), edit).encode() + m[3],
                              head, count=1)
    widths = {col: w for col, w in edit.widths.items() if col > edit.table_last_col}
    if not widths:
        return head
    cols = _COLS.search(head)
    prefix = edit.prefix
    if cols is None:
        entries = _col_entries(widths, set(), prefix)
        return head + (b"<%scols>%s</%scols>" % (prefix, entries, prefix) if entries else b"")
    covered: set[int] = set()
    for m in _COL_RANGE.finditer(cols[2]):
        low, high = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
        covered.update(c for c in widths if low <= c <= high)
    entries = _col_entries(widths, covered, cols[1])
    close = cols.end() - len(b"</%scols>" % cols[1])
    return head[:close] + entries + head[close:] if entries else head


def _col_entries(widths: dict[int, float], covered: set[int], prefix: bytes) -> bytes:
    return b"".join(b'<%scol min="%d" max="%d" width="%s" customWidth="1"/>'
                    % (prefix, col, col, repr(float(width)).encode())
                    for col, width in sorted(widths.items()) if col not in covered)


def _wider_dimension(ref: str, edit: SheetEdit) -> str:
    start, _, end = ref.partition(":")
    found = re.fullmatch(r"([A-Z]+)(\d+)", end or start)
    if found is None:
        return ref
    last_col = max(column_index(found[1]), edit.last_new_col)
    last_row = max(int(found[2]), edit.last_row if edit.columns else edit.header_row)
    return f"{start}:{column_letter(last_col)}{last_row}" if (last_col, last_row) != (
        column_index(found[1]), int(found[2])) or end else ref


def _tail(tail: bytes, edit: SheetEdit) -> bytes:
    if not edit.widen_filter:
        return tail
    return _AUTOFILTER.sub(lambda m: m[1] + widen_ref(m[2].decode(), edit.header_row, edit.table_last_col,
                                                      edit.last_new_col).encode() + m[3], tail, count=1)


def _rows(buffer: bytes, pieces: Iterator[bytes], write: Callable[[bytes], object], edit: SheetEdit) -> bytes:
    """Copy and edit rows until ``</sheetData>``; returns what follows it."""
    row = 0  # the last row number seen
    out: list[bytes] = []
    size = 0
    pos = 0
    find = _row_finder(edit.prefix)
    while True:
        found = find(buffer, pos)
        if found is None:
            piece = next(pieces, None)
            if piece is None:
                raise ValueError("the sheet ends inside <sheetData>; the file is truncated")
            buffer = buffer[pos:] + piece
            pos = 0
            continue
        start, end = found
        element = buffer[start:end]
        if element.startswith(b"</"):
            out.append(buffer[pos:start])
            out.extend(_new_rows(edit, row + 1, edit.last_row))
            out.append(element)
            write(b"".join(out))
            return buffer[end:]
        start_tag_end = element.index(b">") + 1
        number = _ROW_NUMBER.search(element, 0, start_tag_end)
        current = int(number[1]) if number else row + 1
        out.append(buffer[pos:start])
        if current > row + 1:
            out.extend(_new_rows(edit, row + 1, min(current - 1, edit.last_row)))
        row = current
        if edit.header_row <= row <= edit.last_row:
            element = _edit_row(element, start_tag_end, row, edit)
        out.append(element)
        size += len(element)
        pos = end
        if size > 1 << 20:
            write(b"".join(out))
            out, size = [], 0
            if edit.on_row is not None:
                edit.on_row(row)


def _row_finder(prefix: bytes) -> Callable[[bytes, int], tuple[int, int] | None]:
    """A function giving ``(start, end)`` of the next ``<row>`` element, or of
    ``</sheetData>``, at or after a position; ``None`` when the buffer ends first. Rows
    written the usual way are found with ``bytes.find`` (ten times quicker than the
    pattern); anything else between rows goes to the general pattern :data:`_ROW`."""
    opening, closing = b"<%srow" % prefix, b"</%srow>" % prefix

    def find(buffer: bytes, pos: int) -> tuple[int, int] | None:
        start = buffer.find(b"<", pos)
        if start >= 0 and buffer.startswith(opening, start):
            after = buffer[start + len(opening): start + len(opening) + 1]
            if not after:
                return None
            if after in _AFTER_NAME:
                tag_end = buffer.find(b">", start)
                if tag_end < 0:
                    return None
                if buffer[tag_end - 1] == 0x2F:  # "/>": a row without cells
                    return start, tag_end + 1
                end = buffer.find(closing, tag_end)
                return None if end < 0 else (start, end + len(closing))
        match = _ROW.search(buffer, pos)
        return None if match is None else match.span()

    return find


def _additions(edit: SheetEdit, row: int) -> list[tuple[int, bytes | None]]:
    """Our cells for ``row``: (column, suffix after the ``r`` attribute or ``None``)."""
    if row == edit.header_row:
        return [(col, header(edit._header_style)) for col, header in sorted(edit.headers.items())]
    index = row - edit.first_data_row
    if index < 0 or index >= edit.rows:
        return []
    return [(col, values[index]) for col, values in edit.columns.items()]


def _new_rows(edit: SheetEdit, first: int, last: int) -> Iterator[bytes]:
    """Rows the sheet leaves out (no cell of its own) that get cells of ours."""
    prefix = edit.prefix
    for row in range(max(first, edit.header_row), last + 1):
        cells = b"".join(_cell(col, row, suffix, prefix) for col, suffix in sorted(_additions(edit, row))
                         if suffix is not None)
        if cells:
            yield b'<%srow r="%d">%s</%srow>' % (prefix, row, cells, prefix)


@functools.lru_cache(maxsize=4096)
def _letters(col: int) -> bytes:
    return column_letter(col).encode()


def _cell(col: int, row: int, suffix: bytes, prefix: bytes) -> bytes:
    return b'<%sc r="%s%d"%s' % (prefix, _letters(col), row, suffix)


def _edit_row(element: bytes, start_tag_end: int, row: int, edit: SheetEdit) -> bytes:
    if row != edit.header_row and not edit.replaced and edit.columns:
        appended = _appended_row(element, start_tag_end, row, edit)
        if appended is not None:
            return appended
    additions = sorted(_additions(edit, row))
    if row == edit.header_row:
        _learn_header_style(element, start_tag_end, edit)
        additions = sorted(_additions(edit, row))
    if not edit.replaced:
        additions = [(col, suffix) for col, suffix in additions if suffix is not None]
    if not additions:
        return element
    start_tag = element[:start_tag_end]
    if start_tag.endswith(b"/>"):  # <row r="5"/>: no cells yet
        body, closing = b"", b"</%srow>" % edit.prefix
        start_tag = start_tag[:-2] + b">"
    else:
        closing_at = element.rindex(b"</")
        body, closing = element[start_tag_end:closing_at], element[closing_at:]
    last_existing = _last_column(body)
    first_new = additions[0][0]
    if last_existing is not None and last_existing < first_new and not edit.replaced:
        cells = b"".join(_cell(col, row, s, edit.prefix) for col, s in additions if s is not None)
        body = body + cells
    else:
        body = _merge(body, additions, row, edit)
    return _widen_spans(start_tag, additions[-1][0]) + body + closing


def _appended_row(element: bytes, start_tag_end: int, row: int, edit: SheetEdit) -> bytes | None:
    """A data row with our cells after its own, or ``None`` when that does not fit (a cell
    of the row lies at or beyond our first column, or has no ``r``): the general path
    then merges cell by cell."""
    cells = edit.appended(row)
    if not cells:
        return element
    if element.endswith(b"/>", 0, start_tag_end):
        return None
    closing_at = element.rindex(b"</")
    last = _quick_last_column(element, start_tag_end, closing_at, edit.prefix)
    if last is None or last >= min(edit.columns):
        return None
    start_tag = element[:start_tag_end]
    return _widen_spans(start_tag, edit.last_new_col) + element[start_tag_end:closing_at] + cells + \
        element[closing_at:]


def _quick_last_column(element: bytes, start: int, end: int, prefix: bytes) -> int | None:
    """The column of the last cell between ``start`` and ``end`` when it is written the
    usual way (``<c r="..."``, after any other attribute), 0 for no cell; ``None`` when
    unsure."""
    at = element.rfind(b"<%sc " % prefix, start, end)
    if at < 0:
        return 0 if element.find(b"<%sc" % prefix, start, end) < 0 else None
    ref = _CELL_REF.match(element, at)
    if ref is None or element.find(b"<%sc" % prefix, at + 2, end) >= 0:  # a later cell without r
        return None
    return column_index(ref[1].decode())


def _learn_header_style(element: bytes, start_tag_end: int, edit: SheetEdit) -> None:
    for cell in _CELL.finditer(element, start_tag_end):
        ref = _CELL_REF.match(cell[0])
        if ref and column_index(ref[1].decode()) == edit.table_last_col:
            style = _CELL_STYLE.match(cell[0])
            edit._header_style = int(style[1]) if style else None
            return


def _last_column(body: bytes) -> int | None:
    """The column of the row's last cell (0: no cell), ``None`` when it has no ``r``."""
    at = len(body)
    while True:
        at = body.rfind(b"c", 0, at)
        if at < 1:
            return 0
        if body[at - 1: at] in (b"<", b":") and body[at + 1: at + 2] in _AFTER_NAME:
            start = body.rfind(b"<", 0, at)
            if body[start + 1: start + 2] != b"/":
                ref = _CELL_REF.match(body, start)
                return column_index(ref[1].decode()) if ref else None


def _merge(body: bytes, additions: list[tuple[int, bytes | None]], row: int, edit: SheetEdit) -> bytes:
    """Insert (or replace) our cells among the row's own, in column order."""
    pending = list(additions)
    out: list[bytes] = []
    col = 0
    pos = 0
    for cell in _CELL.finditer(body):
        ref = _CELL_REF.match(cell[0])
        col = column_index(ref[1].decode()) if ref else col + 1
        while pending and pending[0][0] < col:
            out.append(body[pos: cell.start()])
            pos = cell.start()
            added_col, suffix = pending.pop(0)
            if suffix is not None:
                out.append(_cell(added_col, row, suffix, edit.prefix))
        if pending and pending[0][0] == col:
            _, suffix = pending.pop(0)
            out.append(body[pos: cell.start()])
            out.append(_replacement(cell[0], col, row, suffix, edit))
            pos = cell.end()
    out.append(body[pos:])
    out.extend(_cell(c, row, s, edit.prefix) for c, s in pending if s is not None)
    return b"".join(out)


_AFTER_NAME = (b" ", b">", b"/", b"\t", b"\n", b"\r")
_STYLE_OF_SUFFIX = re.compile(rb'^ s="(\d+)"')


def _replacement(cell: bytes, col: int, row: int, suffix: bytes | None, edit: SheetEdit) -> bytes:
    ref = f"{column_letter(col)}{row}"
    if col not in edit.replaced and re.search(rb"<(?:\w+:)?(?:v|is|f)\b", cell):
        raise ValueError(f"cell {ref} is already filled; choose a result column that is not in the sheet")
    if re.search(rb"<(?:\w+:)?f\b", cell):
        raise ValueError(f"cell {ref} holds a formula; a result column cannot be written over formulas "
                         "(rename the result column with --prefix)")
    style = _CELL_STYLE.match(cell)
    if suffix is None:
        return b'<%sc r="%s"%s/>' % (edit.prefix, ref.encode(), b' s="%s"' % style[1] if style else b"")
    if style and not _STYLE_OF_SUFFIX.match(suffix):
        suffix = b' s="%s"' % style[1] + suffix
    return _cell(col, row, suffix, edit.prefix)


def _widen_spans(start_tag: bytes, last_col: int) -> bytes:
    spans = _SPANS.search(start_tag)
    if spans is None or int(spans[2]) >= last_col:
        return start_tag
    return start_tag[: spans.start()] + b' spans="%s:%d"' % (spans[1], last_col) + start_tag[spans.end():]
