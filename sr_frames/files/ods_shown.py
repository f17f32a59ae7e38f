"""Numbers of an ``.ods`` sheet that the sheet shows with leading zeros, as shown.

A postal code ``02001`` or a phone number ``01512345678`` kept as a number formatted
with leading zeros is the number 2001 (or 1512345678) to calamine, which reads values,
not formats; the ``.xlsx`` reader renders the number format and reads ``02001``. An
``.ods`` file keeps each cell's displayed text beside its value (``<text:p>``), so the
cells whose displayed text is that same whole number with leading zeros are read here
as displayed, and nothing else changes. ``.xls`` keeps formats in binary records that
no reader of ours parses: there such numbers lose their zeros (save as ``.xlsx``).

``content.xml`` is streamed through expat (a DTD or an entity declaration anywhere is
refused; the archive's size limits were checked before), and only when some cell in it
shows a text starting with a zero and a digit.
"""

from __future__ import annotations

import contextlib
import re
import zipfile
from pathlib import Path
from typing import IO
from xml.parsers import expat

from sr_frames.defaults import ODS_SCAN_CHUNK
from sr_frames.errors import WorkbookError

__all__ = ["show_padded_numbers"]

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_PADDED = re.compile(r"0[0-9]+")


def _shown_padded(shown: str, value: str | None) -> bool:
    """Whether ``shown`` is the whole number ``value`` written with leading zeros."""
    if value is None or not _PADDED.fullmatch(shown):
        return False
    try:
        return float(value) == int(shown)
    except ValueError:
        return False


_SHOWN_WITH_ZERO = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?p>0[0-9]")


def _shows_a_leading_zero(archive: zipfile.ZipFile) -> bool:
    """Whether any cell of ``content.xml`` shows a text starting with ``0`` and a digit: a
    quick scan of the bytes that spares most files the parse."""
    with archive.open("content.xml") as stream:
        tail = b""
        while chunk := stream.read(ODS_SCAN_CHUNK):
            if _SHOWN_WITH_ZERO.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def show_padded_numbers(path: Path, sheet: str, grid: list[list[str | None]]) -> None:
    """Put in ``grid`` (the cells of ``sheet`` as read, from A1) the text ``sheet`` shows
    for each number it shows with leading zeros."""
    if not grid:
        return
    try:
        with zipfile.ZipFile(path) as archive:
            if not _shows_a_leading_zero(archive):
                return
            with archive.open("content.xml") as stream:
                _Sheet(sheet, grid).read(stream)
    except _Refused:
        raise WorkbookError(f"{path.name}: its content.xml declares a DTD or entities; refused",
                            limit="dtd") from None
    except (KeyError, zipfile.BadZipFile, expat.ExpatError, ValueError) as error:
        raise WorkbookError(f"{path.name}: its content.xml could not be read ({error}); save the "
                            "file again from a spreadsheet application") from None


class _Refused(Exception):
    """A DTD or an entity declaration in ``content.xml``."""


class _Sheet:
    """Reads ``content.xml`` with expat's own callbacks (no element is built: a sheet of
    100,000 rows is a million elements), writing the numbers shown with leading zeros
    into the grid as each row ends. Names are matched by prefix, as the root element
    declares the OpenDocument namespaces; only the cells of the sheet asked for count."""

    def __init__(self, sheet: str, grid: list[list[str | None]]) -> None:
        self.sheet, self.grid = sheet, grid
        self.this_row: list[tuple[int, str]] = []  # (column, text) of the row being read
        self.row = self.column = 0
        self.row_repeat = 1
        self.cell: tuple[str | None, int] | None = None  # a number cell's value and repeat
        self.text: list[str] | None = None
        self.inside = False  # within the sheet asked for
        self.names: dict[str, str] = {}

    def read(self, stream: IO[bytes]) -> None:
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler, parser.EndElementHandler = self._start, self._end
        parser.CharacterDataHandler = self._characters
        parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = self._refuse
        with contextlib.suppress(StopIteration):  # raised when the sheet ends
            parser.ParseFile(stream)

    @staticmethod
    def _refuse(*_: object) -> None:
        raise _Refused("a DTD or an entity declaration")

    def _prefixes(self, attributes: dict[str, str]) -> None:
        prefix = {uri: name.partition(":")[2] for name, uri in attributes.items()
                  if name.startswith("xmlns:")}
        table, office = (prefix.get(uri, "") for uri in (_TABLE, _OFFICE))
        self.names = {"table": f"{table}:table", "row": f"{table}:table-row",
                      "cell": f"{table}:table-cell", "covered": f"{table}:covered-table-cell",
                      "name": f"{table}:name", "columns": f"{table}:number-columns-repeated",
                      "rows": f"{table}:number-rows-repeated", "type": f"{office}:value-type",
                      "value": f"{office}:value"}

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        names = self.names
        if not names:
            self._prefixes(attributes)
            names = self.names
        if name == names["table"]:
            self.inside = attributes.get(names["name"]) == self.sheet
        elif not self.inside:
            return
        elif name == names["cell"] or name == names["covered"]:
            repeat = int(attributes.get(names["columns"], "1"))
            if attributes.get(names["type"]) == "float" and self.row < len(self.grid):
                self.cell, self.text = (attributes.get(names["value"]), repeat), []
            else:
                self.column += repeat
        elif name == names["row"]:
            self.row_repeat = int(attributes.get(names["rows"], "1"))

    def _characters(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def _end(self, name: str) -> None:
        names = self.names
        if not self.inside:
            return
        if self.cell is not None and (name == names["cell"] or name == names["covered"]):
            (value, repeat), shown = self.cell, "".join(self.text or ())
            if _shown_padded(shown, value):
                width = len(self.grid[self.row])
                self.this_row += [(at, shown) for at in range(self.column, min(self.column + repeat, width))]
            self.column += repeat
            self.cell = self.text = None
        elif name == names["row"]:
            last = min(self.row + self.row_repeat, len(self.grid)) if self.this_row else self.row
            for cells in self.grid[self.row:last]:
                for at, text in self.this_row:
                    if at < len(cells):
                        cells[at] = text
            self.row, self.column, self.this_row = self.row + self.row_repeat, 0, []
        elif name == names["table"]:
            raise StopIteration
