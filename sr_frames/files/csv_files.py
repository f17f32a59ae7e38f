"""CSV in and out, with what Excel users' CSV files really look like: a UTF-8 byte-order
mark or Windows-1252, a comma, semicolon or tab, Windows line endings. Written back
with the same separator and line ending, atomically, and formula-safe."""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sr_frames.files.grid import check_rows, csv_text, place_columns, result_labels, shape_of
from sr_frames.files.output import atomic_output

__all__ = ["CsvFormat", "csv_grid", "sniff", "write_csv"]


@dataclass(frozen=True)
class CsvFormat:
    """How a CSV file is written, so results go back the same way."""

    encoding: str
    separator: str
    newline: str


def sniff(path: Path) -> CsvFormat:
    """Encoding (UTF-8, with or without BOM, else Windows-1252), separator and line ending."""
    with open(path, "rb") as file:
        head = file.read(1 << 16)
    encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        encoding = "cp1252"
    first = head.split(b"\n", 1)[0]
    separator = max((",", ";", "\t"), key=lambda s: first.count(s.encode()))
    return CsvFormat(encoding, separator, "\r\n" if first.endswith(b"\r") else "\n")


def csv_grid(path: Path, fmt: CsvFormat) -> list[list[str | None]]:
    """Every cell as text, ``None`` when empty."""
    try:
        raw = pd.read_csv(
            path, sep=fmt.separator, header=None, dtype=str, keep_default_na=False,
            encoding=fmt.encoding,
        )
    except pd.errors.EmptyDataError:
        return []
    except pd.errors.ParserError as error:
        raise ValueError(f"{path.name} is not a regular CSV table: {error}") from None
    return [[c if isinstance(c, str) and c else None for c in row] for row in raw.values.tolist()]


def read_csv_table(path: Path, limits: Any, progress: Any) -> pd.DataFrame:
    return shape_of(csv_grid(path, sniff(path))).frame()


def write_csv(frame: pd.DataFrame, source: Path, output: Path, columns: Sequence[Any] | None,
              limits: Any = None, progress: Any = True) -> None:
    """``source`` with ``columns`` of ``frame`` added (or updated), written to ``output``."""
    fmt = sniff(source)
    grid = csv_grid(source, fmt)
    shape = shape_of(grid)
    labels = result_labels(frame, shape, columns)
    check_rows(frame, shape, source.name)
    width = max((len(row) for row in grid), default=0)

    def occupied(row: int, col: int) -> bool:
        return row <= len(grid) and col <= len(grid[row - 1]) and grid[row - 1][col - 1] is not None

    places = place_columns(shape, [str(label) for label in labels], occupied, width)
    width = max([width, *places])
    table = [list(row) + [None] * (width - len(row)) for row in grid] or [[None] * width]
    for label, col in zip(labels, places, strict=True):
        if col > shape.last_col:
            table[shape.header_row - 1][col - 1] = csv_text(str(label))
        for offset, value in enumerate(frame[label].tolist()):
            table[shape.first_data_row - 1 + offset][col - 1] = csv_text(value)
    # result text may not fit a legacy code page; UTF-8 with BOM is what Excel reads
    encoding = "utf-8" if fmt.encoding == "utf-8" else "utf-8-sig"
    with atomic_output(output, like=source) as temporary:
        pd.DataFrame(table, dtype=object).to_csv(
            temporary, sep=fmt.separator, header=False, index=False, encoding=encoding,
            lineterminator=fmt.newline,
        )
