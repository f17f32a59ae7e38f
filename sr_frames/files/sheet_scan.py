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

from sr_frames.files.limits import WorkbookLimits, over_limit, refuse_dtd

__all__ = ["CHUNK", "SheetFacts", "chunks", "column_index", "column_letter", "scan_sheet"]

CHUNK = 4 << 20
_ROW = re.compile(rb'<(?:\w+:)?row\b(?:[^>]*?\sr="(\d+)")?')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,4})\d+"')
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


def chunks(stream: IO[bytes], size: int = CHUNK) -> Iterator[bytes]:
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
    letters: set[bytes] = set()
    first = True
    for chunk in chunks(stream):
        if first:
            refuse_dtd(chunk[:4096], label)
            first = False
            dimension = _DIMENSION.search(chunk)
            declared = int(dimension[1]) if dimension else 0
        for r in _ROW.findall(chunk):
            facts.rows = int(r) if r else facts.rows + 1
        letters.update(_CELL_REF.findall(chunk))
        if letters:
            widest = max(letters, key=lambda s: (len(s), s))
            facts.columns = max(facts.columns, column_index(widest.decode()))
            letters = {widest}
        if len(_CELL.findall(chunk)) > len(_CELL_REF.findall(chunk)):
            facts.columns = max(facts.columns, _widest_unnumbered_row(chunk))
        facts.check_reach(label, limits)
        if padded is not None:
            for attributes, style in padded.findall(chunk):
                ref = re.search(rb'\br="([A-Z]+)(\d+)"', attributes)
                if ref:
                    key = (int(ref[2]), column_index(ref[1].decode()))
                    facts.padded[key] = padded_styles[int(style)]
        if b"<t>" in chunk:
            for letters_, row, text in _BLANK_INLINE.findall(chunk):
                facts.blank_text[(int(row), column_index(letters_.decode()))] = text.decode()
        for ref in _MERGE.findall(chunk):
            facts.merged.append(_bounds(ref.decode()))
        if on_rows is not None:
            on_rows(facts.rows, max(declared, facts.rows))
    return facts


def _padded_pattern(styles: dict[int, str]) -> re.Pattern[bytes] | None:
    if not styles:
        return None
    choices = "|".join(str(i) for i in sorted(styles))
    return re.compile(rf'<(?:\w+:)?c\s([^>]*?\bs="({choices})"[^>]*)>'.encode())


def _widest_unnumbered_row(chunk: bytes) -> int:
    # cells without r= sit one after another: the widest row has the most cell tags
    return max((len(_CELL.findall(row)) for row in re.split(rb"</(?:\w+:)?row>", chunk)), default=0)


def _bounds(ref: str) -> tuple[int, int, int, int]:
    start, _, end = ref.partition(":")
    (c1, r1), (c2, r2) = _REF.fullmatch(start).groups(), _REF.fullmatch(end or start).groups()  # type: ignore[union-attr]
    return int(r1), column_index(c1), int(r2), column_index(c2)
