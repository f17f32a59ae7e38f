"""One streamed pass over a sheet's XML that learns, before any reader allocates a cell,
how far the sheet reaches, which cells carry a zero-padding number format, and which
ranges are merged.

The pass looks at tags only (regular expressions over chunks of the inflated part), so
it costs a fraction of parsing the sheet and holds one chunk at a time. What it finds
is checked against :class:`~sr_frames.files.limits.WorkbookLimits` by :func:`check_reach`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from sr_frames.defaults import SHEET_CHUNK
from sr_frames.files.limits import WorkbookLimits, over_limit, refuse_dtd

__all__ = ["SHEET_CHUNK", "SheetFacts", "chunks", "column_index", "column_letter", "scan_sheet"]

_ROW = re.compile(rb'<(?:\w+:)?row\b(?:[^>]*?\sr="(\d+)")?')
_CELL_LETTERS = re.compile(rb' r="([A-Z]{1,4})[0-9]')
_ROW_NUMBER_AT = re.compile(rb'[<:]row\b[^>]*?\sr="(\d+)"')
_ANY_BLANK = re.compile(rb"t>[ \t\r\n]+</")
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_REF = re.compile(r"([A-Z]+)(\d+)")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s[^>]*?ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
# whitespace-only inline text written without xml:space="preserve" (openpyxl does): calamine
# drops it, Excel shows it; the scan remembers it so the reader gives it back
_BLANK_INLINE = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)(\d+)"[^>]*>\s*<(?:\w+:)?is>\s*'
                           rb'<(?:\w+:)?t>([ \t\r\n]+)</(?:\w+:)?t>')


@dataclass
class SheetFacts:
    """What the pass found: the extent of the sheet (1-based, 0 if empty) and more."""

    rows: int = 0
    columns: int = 0
    padded: dict[tuple[int, int], str] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    blank_text: dict[tuple[int, int], str] = field(default_factory=dict)

    def check_reach(self, label: str, limits: WorkbookLimits) -> None:
        if self.rows > limits.max_rows:
            raise over_limit(f"{label}: its rows", self.rows, limits, "max_rows")
        if self.columns > limits.max_columns:
            raise over_limit(f"{label}: its columns", self.columns, limits, "max_columns")
        cells = self.rows * self.columns
        if cells > limits.max_cells:
            raise over_limit(f"{label}: its used range ({self.rows:,} rows x {self.columns:,} columns)",
                             cells, limits, "max_cells")

    def occupied_by_merge(self, row: int, col: int) -> bool:
        return any(r1 <= row <= r2 and c1 <= col <= c2 for r1, c1, r2, c2 in self.merged)


def column_index(letters: str) -> int:
    """``"A"`` -> 1, ``"XFD"`` -> 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letter(index: int) -> str:
    """``1`` -> ``"A"``."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def chunks(stream: IO[bytes], size: int = SHEET_CHUNK) -> Iterator[bytes]:
    """The stream in pieces that each end right after a ``>`` (a whole tag)."""
    carry = b""
    while True:
        block = stream.read(size)
        if not block:
            if carry:
                yield carry
            return
        block = carry + block
        cut = block.rfind(b">") + 1
        if cut == 0:
            carry = block
            continue
        carry = block[cut:]
        yield block[:cut]


def scan_sheet(stream: IO[bytes], label: str, limits: WorkbookLimits,
               padded_styles: dict[int, str],
               on_rows: Callable[[int, int], None] | None = None) -> SheetFacts:
    """Scan the sheet XML in ``stream``; raises ``WorkbookError`` as soon as a limit breaks.
    ``on_rows(rows so far, rows the sheet declares)`` is called after every chunk."""
    facts = SheetFacts()
    declared = 0
    padded = _padded_pattern(padded_styles)
    first = True
    for chunk in chunks(stream):
        if first:
            refuse_dtd(chunk[:4096], label)
            first = False
            dimension = _DIMENSION.search(chunk)
            declared = int(dimension[1]) if dimension else 0
        facts.rows = _last_row(chunk, facts.rows)
        found = _CELL_LETTERS.findall(chunk)
        letters = set(found)
        if letters:
            widest = max(letters, key=lambda s: (len(s), s))
            facts.columns = max(facts.columns, column_index(widest.decode()))
        if _has_unnumbered_cells(chunk, len(found)):
            facts.columns = max(facts.columns, _widest_unnumbered_row(chunk))
        facts.check_reach(label, limits)
        if padded is not None:
            for letters_, row, style in padded.findall(chunk):
                facts.padded[(int(row), column_index(letters_.decode()))] = padded_styles[int(style)]
        if _ANY_BLANK.search(chunk):
            for letters_, row, text in _BLANK_INLINE.findall(chunk):
                facts.blank_text[(int(row), column_index(letters_.decode()))] = text.decode()
        if b"mergeCell " in chunk:
            facts.merged.extend(_bounds(ref.decode()) for ref in _MERGE.findall(chunk))
        if on_rows is not None:
            on_rows(facts.rows, max(declared, facts.rows))
    return facts


def _last_row(chunk: bytes, before: int) -> int:
    """The number of the chunk's last row (rows without ``r`` count one each)."""
    tags = chunk.count(b"<row") + chunk.count(b":row ") + chunk.count(b":row>")
    if not tags:
        return before
    at = max(chunk.rfind(b"<row"), chunk.rfind(b":row ") + 1, chunk.rfind(b":row>") + 1)
    numbered = _ROW_NUMBER_AT.match(chunk, at)
    return int(numbered[1]) if numbered else before + tags


def _has_unnumbered_cells(chunk: bytes, numbered: int) -> bool:
    """More cell tags than ``r="A1"`` references: some cells go by position."""
    tags = chunk.count(b"<c ") + chunk.count(b"<c>") + chunk.count(b"<c/>") + chunk.count(b":c ")
    return tags > numbered


def _padded_pattern(styles: dict[int, str]) -> re.Pattern[bytes] | None:
    if not styles:
        return None
    # r then s is the attribute order of Excel, LibreOffice, openpyxl and XlsxWriter alike
    choices = "|".join(str(i) for i in sorted(styles))
    return re.compile(rf'c r="([A-Z]+)(\d+)" s="({choices})"'.encode())


def _widest_unnumbered_row(chunk: bytes) -> int:
    # cells without r= sit one after another: the widest row has the most cell tags
    return max((len(_CELL.findall(row)) for row in re.split(rb"</(?:\w+:)?row>", chunk)), default=0)


def _bounds(ref: str) -> tuple[int, int, int, int]:
    start, _, end = ref.partition(":")
    (c1, r1), (c2, r2) = _REF.fullmatch(start).groups(), _REF.fullmatch(end or start).groups()  # type: ignore[union-attr]
    return int(r1), column_index(c1), int(r2), column_index(c2)
