"""CSV in and out, at the speed of pandas, the way Excel users' CSV files really are.

Read: the encoding is decided from the whole file (a UTF-8 byte-order mark, else UTF-8
if every byte decodes, else Windows-1252 if every byte decodes, else an error naming
``encoding=``); a ``sep=;`` hint line sets the separator (otherwise the commonest of
``,`` ``;`` tab ``|`` in the first lines); title lines above the header are passed
over as in workbooks. pandas' C parser reads every cell as text.

Write: the source comes back with the same encoding (a cp1252 file stays cp1252 when
every written character fits, otherwise an error naming ``encoding=``), separator,
line ending, hint and title lines; the user's cells keep their values (quoting is
pandas' minimal quoting), and only the columns we write are rendered and defused
(:func:`~sr_frames.files.grid.defuse`), once per distinct value, as column operations.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sr_frames.defaults import CSV_SNIFF_LINES
from sr_frames.errors import WorkbookError
from sr_frames.files.grid import (
    TableShape,
    check_rows,
    csv_text,
    place_columns,
    result_labels,
    shape_of,
    unique_names,
)
from sr_frames.files.limits import WorkbookLimits, over_limit
from sr_frames.files.output import atomic_output

__all__ = ["ENV_ENCODING", "CsvFormat", "CsvTable", "read_csv_table", "sniff", "write_csv"]

ENV_ENCODING = "SALESROCKS_CSV_ENCODING"
SEPARATORS = (",", ";", "\t", "|")
_HINT = re.compile(r"^sep=(.)\r?$")


@dataclass(frozen=True)
class CsvFormat:
    """How a CSV file is written, so results go back the same way."""

    encoding: str
    separator: str
    newline: str
    hint: str | None = None


@dataclass
class CsvTable:
    """A CSV file as read: its format, the lines above the table, every cell from the
    header line on (text, ``""`` when empty) and where the table sits in them."""

    fmt: CsvFormat
    preamble: list[str]
    cells: pd.DataFrame
    shape: TableShape
    first_col: int
    last_col: int


def _encoding_hint(path: Path) -> str:
    return (f"name the encoding of {path.name} with encoding=... (for sr-frames: "
            f"{ENV_ENCODING}=...), e.g. encoding='latin-1'")


def sniff(path: Path, encoding: str | None = None, limits: WorkbookLimits | None = None) -> CsvFormat:
    """Encoding (decided on the whole file), separator, line ending and ``sep=`` hint."""
    limits = limits or WorkbookLimits()
    size = path.stat().st_size
    if size > limits.max_csv_bytes:
        raise over_limit(f"{path.name}: its size", size, limits, "max_csv_bytes")
    data = path.read_bytes()
    encoding = encoding or os.environ.get(ENV_ENCODING) or _decide(data, path)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise WorkbookError(f"{path.name} cannot be read as {encoding} ({error}); {_encoding_hint(path)}"
                            ) from None
    head = text[:1 << 16].lstrip("\ufeff").splitlines()[: CSV_SNIFF_LINES + 1]
    hint = head[0] if head and _HINT.match(head[0]) else None
    lines = head[1:] if hint else head
    separator = hint[4] if hint else max(SEPARATORS, key=lambda s: max((ln.count(s) for ln in lines),
                                                                         default=0))
    first = text.split("\n", 1)[0]
    return CsvFormat(encoding, separator, "\r\n" if first.endswith("\r") else "\n", hint)


def _decide(data: bytes, path: Path) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    raise WorkbookError(f"{path.name} is neither UTF-8 nor Windows-1252; {_encoding_hint(path)}")


def read_csv_table(path: Path, limits: WorkbookLimits | None = None, progress: bool | str = False,
                   encoding: str | None = None) -> pd.DataFrame:
    """The table of a CSV file as text (``None`` when empty), like ``read_table``."""
    return _read(path, limits, encoding).shape.frame()


def _read(path: Path, limits: WorkbookLimits | None, encoding: str | None) -> CsvTable:
    fmt = sniff(path, encoding, limits)
    with open(path, encoding=fmt.encoding, newline="") as file:
        top = list(_first_records(file, fmt))
    skip = 1 if fmt.hint else 0
    records = [r for _, r in top[skip:]]
    probe = shape_of([[c or None for c in r] for r in records])
    header_at = probe.header_row - 1 if records else 0
    lines_before = top[skip + header_at][0] if len(top) > skip + header_at else 0
    with open(path, encoding=fmt.encoding, newline="") as file:
        preamble = [file.readline() for _ in range(lines_before)]
    cells = _cells(path, fmt, lines_before)
    header = cells.iloc[0].tolist() if len(cells) else []
    filled = [i for i, c in enumerate(header) if c]
    first, last = (filled[0], filled[-1]) if filled else (0, -1)
    data = cells.iloc[1:, first:last + 1]
    nonempty = (data != "").any(axis=1).to_numpy()
    end = int(np.flatnonzero(nonempty)[-1]) + 1 if nonempty.any() else 0
    names = unique_names([c or None for c in header[first:last + 1]])
    shape = _Shape(header_at + 1, first + 1, last + 1, tuple(names), data.iloc[:end])
    return CsvTable(fmt, preamble, cells, shape, first, last)


class _Shape(TableShape):
    """A TableShape whose rows are a DataFrame already (a CSV table is read by column)."""

    def __init__(self, header_row: int, first_col: int, last_col: int, names: tuple[str, ...],
                 frame: pd.DataFrame) -> None:
        object.__setattr__(self, "header_row", header_row)
        object.__setattr__(self, "first_col", first_col)
        object.__setattr__(self, "last_col", last_col)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "_frame", frame)

    @property
    def rows(self) -> Any:
        return range(len(self._frame))  # type: ignore[attr-defined]

    def frame(self) -> pd.DataFrame:
        """The table as object text, ``None`` for empty cells (built on demand)."""
        values: Any = np.array(self._frame.to_numpy(dtype=object), dtype=object,  # type: ignore[attr-defined]
                               copy=True)
        values[values == ""] = None
        return pd.DataFrame(values, columns=list(self.names), dtype=object)


def _first_records(file: io.TextIOBase, fmt: CsvFormat) -> Any:
    """(lines read before it, fields) of the first records, for finding the header."""
    reader = csv.reader(file, delimiter=fmt.separator)
    consumed = 0
    for record in reader:
        yield consumed, record
        consumed = reader.line_num
        if len(record) and reader.line_num > CSV_SNIFF_LINES * 2:
            return


def _cells(path: Path, fmt: CsvFormat, skip: int) -> pd.DataFrame:
    options: dict[str, Any] = dict(sep=fmt.separator, header=None, dtype=str, keep_default_na=False,
                                   na_filter=False, encoding=fmt.encoding, skiprows=skip,
                                   skip_blank_lines=False, quotechar='"')
    try:
        cells = pd.read_csv(path, **options)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except pd.errors.ParserError:  # ragged: later rows wider than the first
        with open(path, encoding=fmt.encoding, newline="") as file:
            for _ in range(skip):
                file.readline()
            width = max((len(r) for r in csv.reader(file, delimiter=fmt.separator)), default=0)
        cells = pd.read_csv(path, names=range(width), **options)
    cells = cells.fillna("")
    cells.columns = range(cells.shape[1])
    return cells


def write_csv(frame: pd.DataFrame, source: Path, output: Path, columns: Sequence[Any] | None,
              limits: WorkbookLimits | None = None, progress: bool | str = True,
              encoding: str | None = None) -> None:
    """``source`` with ``columns`` of ``frame`` added (or updated), written to ``output``."""
    table = _read(source, limits, None)
    shape = table.shape
    labels = result_labels(frame, shape, columns)
    check_rows(frame, shape, source.name)
    cells = table.cells
    width = cells.shape[1]
    header_line = shape.header_row - 1  # in cells, the header is line 0

    def occupied(row: int, col: int) -> bool:
        at = row - 1 - header_line
        return 0 <= at < len(cells) and col <= width and cells.iat[at, col - 1] != ""

    places = place_columns(shape, [str(label) for label in labels], occupied, width)
    target = encoding or os.environ.get(ENV_ENCODING) or table.fmt.encoding
    texts = {col: _texts(frame[label]) for label, col in zip(labels, places, strict=True)}
    for label, col in zip(labels, places, strict=True):
        _check_fits(texts[col], label, target, source)
    if _append_lines(source, output, table, labels, places, texts, target):
        return
    out = cells.copy() if cells.shape[1] else pd.DataFrame([[""]])
    for col in range(out.shape[1] + 1, max([out.shape[1], *places]) + 1):
        out[col - 1] = ""
    n = len(frame)
    for label, col in zip(labels, places, strict=True):
        values = out[col - 1].to_numpy(dtype=object).copy()
        if col > shape.last_col:
            values[0] = csv_text(str(label))
        values[1:1 + n] = texts[col]
        out[col - 1] = values
    preamble = "".join(table.preamble)  # the sep= hint and title lines, as they were
    with atomic_output(output, like=source) as temporary, \
            open(temporary, "w", encoding=target, newline="") as file:
        file.write(preamble)
        out.to_csv(file, sep=table.fmt.separator, header=False, index=False,
                   lineterminator=table.fmt.newline)


def _append_lines(source: Path, output: Path, table: CsvTable, labels: list[Any], places: list[int],
                  texts: dict[int, np.ndarray], encoding: str) -> bool:
    """The fast path, byte for byte for the user's cells: new fields appended to each
    line of the table. Taken when nothing is quoted (lines are records) and every new
    column comes after every field of the table's lines; ``False`` otherwise."""
    fmt, shape = table.fmt, table.shape
    start = min(places)
    if places != list(range(start, start + len(places))) or start <= shape.last_col:
        return False
    text = source.read_text(encoding=fmt.encoding)
    if '"' in text:
        return False
    lines = text.split(fmt.newline)
    before = len(table.preamble)
    count = len(shape.rows) + 1
    body = lines[before: before + count]
    if len(body) < count:
        return False
    fields = pd.Series(body, dtype=object).str.count(re.escape(fmt.separator)).to_numpy() + 1
    fields[[i for i, line in enumerate(body) if line == ""]] = 0
    if (fields > start - 1).any():
        return False
    header = [csv_text(str(label)) for label in labels]
    new = pd.DataFrame({i: np.concatenate([[header[i]], texts[col]]) for i, col in enumerate(places)})
    rendered = new.to_csv(sep=fmt.separator, header=False, index=False, lineterminator="\n")
    added = rendered.split("\n")[:count]
    if len(added) != count or "\r" in rendered:
        return False
    if len(places) == 1:  # pandas writes a lone empty field as "" so the line is not blank
        added = ["" if field == '""' else field for field in added]
    padding = [fmt.separator * int(n) for n in (start - fields)]
    lines[before: before + count] = [line + pad + extra for line, pad, extra in zip(body, padding, added,
                                                                                     strict=True)]
    with atomic_output(output, like=source) as temporary:
        Path(temporary).write_text(fmt.newline.join(lines), encoding=encoding, newline="")
    return True


def _texts(series: pd.Series) -> np.ndarray:
    """``csv_text`` of every value, computed once per distinct value."""
    from sr_frames.files.cell_xml import render_column

    return render_column(series.reset_index(drop=True), csv_text)


def _check_fits(texts: np.ndarray, label: Any, encoding: str, source: Path) -> None:
    if encoding.replace("-", "").lower() in ("utf8", "utf8sig"):
        return
    for text in dict.fromkeys(texts.tolist()):
        try:
            (text or "").encode(encoding)
        except UnicodeEncodeError as error:
            bad = text[error.start]
            raise WorkbookError(
                f"column {label!s} holds {bad!r}, which {encoding} (the encoding of {source.name}) cannot "
                f"hold; write it as UTF-8 with encoding='utf-8-sig' (for sr-frames: "
                f"{ENV_ENCODING}=utf-8-sig)", limit="encoding") from None
        except LookupError:
            raise WorkbookError(f"unknown encoding {encoding!r}; name one Python knows, e.g. "
                                "encoding='utf-8-sig'") from None
