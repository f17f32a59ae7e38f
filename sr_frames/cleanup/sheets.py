"""New sheets (the ``Summary`` with its chart, the keep / review / drop splits) added
to an existing workbook without rewriting any part of it.

XlsxWriter writes the new sheets, and the chart of the verdicts, into a scratch
workbook (inline strings, no styles, so the sheets depend on nothing else in their
package); their parts are then grafted into the target package. The zip tree, and
what changes in it::

    [Content_Types].xml              + an Override per new sheet, drawing and chart
    xl/workbook.xml                  + <sheet name=... sheetId=... r:id=.../> in <sheets>
    xl/_rels/workbook.xml.rels       + a worksheet relationship per new sheet
    xl/worksheets/sheetN.xml         new (N after the highest sheet number in use)
    xl/worksheets/_rels/sheetN.xml.rels   new, when the sheet has a chart
    xl/drawings/drawingN.xml (+ _rels)    new
    xl/charts/chartN.xml                  new
    everything else                  copied as it is, byte for byte

The result is written to a temporary file beside the workbook and renamed over it.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pandas as pd

from sr_frames.cells import is_missing

__all__ = ["NewSheet", "add_sheets", "add_summary_sheet", "split_sheets", "summary_sheet"]

MAX_ROWS = 1_048_575
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WORKSHEET = _REL + "/worksheet"
_CT = {"worksheets": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
       "drawings": "application/vnd.openxmlformats-officedocument.drawing+xml",
       "charts": "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"}
_KIND = {"worksheets": "sheet", "drawings": "drawing", "charts": "chart"}


@dataclass
class NewSheet:
    """A sheet to add: ``rows`` of cells (the first is the header); ``chart``: rows
    ``chart_rows`` (0-based, inclusive) of columns ``chart_labels`` and ``chart_values``
    drawn as a column chart titled ``chart_title``."""

    name: str
    rows: list[list[Any]]
    chart_title: str | None = None
    chart_rows: tuple[int, int] = (1, 1)
    chart_labels: int = 0
    chart_values: int = 1
    widths: dict[int, float] = field(default_factory=dict)


def _write_cell(sheet: Any, r: int, c: int, value: Any) -> None:
    if value is None or (not isinstance(value, list | tuple | dict) and is_missing(value)):
        return
    if isinstance(value, bool):
        sheet.write_boolean(r, c, value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(r, c, value)
    elif isinstance(value, list | tuple):
        sheet.write_string(r, c, "; ".join(str(v) for v in value))
    else:
        sheet.write_string(r, c, str(value))  # never a formula, whatever the text


def _scratch(sheets: Sequence[NewSheet]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for spec in sheets:
        sheet = book.add_worksheet(spec.name)
        for c, width in spec.widths.items():
            sheet.set_column(c, c, width)
        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                _write_cell(sheet, r, c, value)
        if spec.chart_title:
            chart = book.add_chart({"type": "column"})
            first, last = spec.chart_rows
            chart.add_series({
                "name": spec.chart_title,
                "categories": [spec.name, first, spec.chart_labels, last, spec.chart_labels],
                "values": [spec.name, first, spec.chart_values, last, spec.chart_values],
            })
            chart.set_title({"name": spec.chart_title})
            chart.set_legend({"none": True})
            sheet.insert_chart(1, len(spec.rows[0]) + 1, chart)
    book.close()
    return buffer.getvalue()


def _numbers(names: Sequence[str], folder: str) -> int:
    kind = _KIND[folder]
    found = [int(m.group(1)) for n in names
             if (m := re.fullmatch(rf"xl/{folder}/{kind}(\d+)\.xml", n))]
    return max(found, default=0)


def _sheet_names(workbook_xml: str) -> list[str]:
    from xml.sax.saxutils import unescape

    return [unescape(m.group(1), {"&quot;": '"', "&apos;": "'"})
            for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*\bname=\"([^\"]*)\"", workbook_xml)]


def unique_name(wanted: str, taken: Sequence[str]) -> str:
    """``wanted``, or ``wanted 2``, ``wanted 3``, ... (sheet names ignore case)."""
    lower = {t.lower() for t in taken}
    name, n = wanted[:31], 1
    while name.lower() in lower:
        n += 1
        name = f"{wanted[:28]} {n}"
    return name


def add_sheets(path: str | os.PathLike[str], sheets: Sequence[NewSheet]) -> list[str]:
    """Add ``sheets`` at the end of the workbook at ``path`` (in place, atomically);
    the names they got (a taken name gets `` 2``, `` 3``, ...)."""
    path = Path(path)
    with zipfile.ZipFile(path) as source:
        infos = source.infolist()
        parts = {i.filename: source.read(i) for i in infos}
    book_name = "xl/workbook.xml"
    workbook = parts[book_name].decode("utf-8")
    taken = _sheet_names(workbook)
    sheets = [NewSheet(**{**s.__dict__, "name": unique_name(s.name, taken + [x.name for x in sheets[:i]])})
              for i, s in enumerate(sheets)]
    for spec in sheets:
        if len(spec.rows) > MAX_ROWS:
            raise ValueError(f"sheet {spec.name!r} would have {len(spec.rows):,} rows; a sheet "
                             f"holds {MAX_ROWS + 1:,}")
    with zipfile.ZipFile(io.BytesIO(_scratch(sheets))) as scratch:
        new = {n: scratch.read(n) for n in scratch.namelist()}
    strings = _shared_strings(new.get("xl/sharedStrings.xml", b""))
    for name in [n for n in new if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]:
        new[name] = _inline(new[name], strings)
    added, renames = _graft(parts, new, len(sheets))
    workbook, book_rels, types = _register(workbook, parts, sheets, renames)
    _save(path, infos, parts, {book_name: workbook.encode("utf-8"),
                               "xl/_rels/workbook.xml.rels": book_rels.encode("utf-8"),
                               "[Content_Types].xml": types.encode("utf-8")}, added)
    return [s.name for s in sheets]


def _graft(parts: dict[str, bytes], new: dict[str, bytes], count: int
           ) -> tuple[dict[str, bytes], dict[str, dict[int, int]]]:
    """The scratch parts renumbered after the target's; and the renumbering per folder."""
    renames: dict[str, dict[int, int]] = {}
    for folder in _KIND:
        start = _numbers(list(parts), folder)
        scratch = sorted(int(m.group(1)) for n in new
                         if (m := re.fullmatch(rf"xl/{folder}/{_KIND[folder]}(\d+)\.xml", n)))
        renames[folder] = {old: start + i + 1 for i, old in enumerate(scratch)}
    added: dict[str, bytes] = {}
    for name, data in new.items():
        for folder, kind in _KIND.items():
            m = re.fullmatch(rf"xl/{folder}/(_rels/)?{kind}(\d+)\.xml(\.rels)?", name)
            if m:
                number = renames[folder][int(m.group(2))]
                target = f"xl/{folder}/{m.group(1) or ''}{kind}{number}.xml{m.group(3) or ''}"
                added[target] = _retarget(data, renames) if m.group(1) else _untab(data, folder)
    return added, renames


def _shared_strings(data: bytes) -> list[str]:
    """The ``<si>`` contents of a scratch ``sharedStrings.xml``, in order."""
    return re.findall(r"<si>(.*?)</si>", data.decode("utf-8"), flags=re.DOTALL)


def _inline(sheet: bytes, strings: list[str]) -> bytes:
    """Shared-string cells as inline strings: the target keeps its own string table."""
    def cell(m: re.Match[str]) -> str:
        return f'<c{m.group(1)} t="inlineStr"{m.group(2)}><is>{strings[int(m.group(3))]}</is></c>'

    text = re.sub(r'<c([^>]*?) t="s"([^>]*)><v>(\d+)</v></c>', cell, sheet.decode("utf-8"))
    return text.encode("utf-8")


def _retarget(rels: bytes, renames: dict[str, dict[int, int]]) -> bytes:
    text = rels.decode("utf-8")
    for folder, kind in (("drawings", "drawing"), ("charts", "chart")):
        numbers = renames[folder]

        def renumbered(m: re.Match[str], folder: str = folder, kind: str = kind,
                       numbers: dict[int, int] = numbers) -> str:
            return f"../{folder}/{kind}{numbers[int(m.group(1))]}.xml"

        text = re.sub(rf"\.\./{folder}/{kind}(\d+)\.xml", renumbered, text)
    return text.encode("utf-8")


def _untab(data: bytes, folder: str) -> bytes:
    """A grafted sheet is never the selected tab (the workbook keeps its own)."""
    return data.replace(b' tabSelected="1"', b"") if folder == "worksheets" else data


def _register(workbook: str, parts: dict[str, bytes], sheets: Sequence[NewSheet],
              renames: dict[str, dict[int, int]]) -> tuple[str, str, str]:
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    used_ids = set(re.findall(r'\bId="([^"]+)"', rels))
    sheet_ids = [int(x) for x in re.findall(r'<(?:\w+:)?sheet\b[^>]*\bsheetId="(\d+)"', workbook)]
    found = re.search(r"<(\w+:)?sheets\b", workbook)
    prefix = (found.group(1) if found else None) or ""
    declared = re.search(rf'xmlns:r="{re.escape(_REL)}"', workbook) is not None
    namespace = "" if declared else f' xmlns:r="{_REL}"'
    entries, relations = [], []
    for n, (spec, number) in enumerate(zip(sheets, renames["worksheets"].values(), strict=True)):
        rid = _free_id(used_ids)
        relations.append(f'<Relationship Id="{rid}" Type="{_WORKSHEET}" '
                         f'Target="worksheets/sheet{number}.xml"/>')
        entries.append(f'<{prefix}sheet{namespace} name={quoteattr(spec.name)} '
                       f'sheetId="{max(sheet_ids, default=0) + n + 1}" r:id="{rid}"/>')
    workbook = re.sub(rf"</{re.escape(prefix)}sheets>", lambda m: "".join(entries) + m.group(0),
                      workbook, count=1)
    rels = rels.replace("</Relationships>", "".join(relations) + "</Relationships>", 1)
    overrides = [f'<Override PartName="/xl/{folder}/{_KIND[folder]}{number}.xml" '
                 f'ContentType="{_CT[folder]}"/>'
                 for folder in _KIND for number in renames[folder].values()]
    types = types.replace("</Types>", "".join(overrides) + "</Types>", 1)
    return workbook, rels, types


def _free_id(used: set[str]) -> str:
    n = 1
    while f"rId{n}" in used:
        n += 1
    used.add(f"rId{n}")
    return f"rId{n}"


def _save(path: Path, infos: list[zipfile.ZipInfo], parts: dict[str, bytes],
          changed: dict[str, bytes], added: dict[str, bytes]) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w") as target:
            for info in infos:
                target.writestr(info, changed.get(info.filename, parts[info.filename]),
                                compress_type=info.compress_type)
            for name, data in added.items():
                target.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                                compress_type=zipfile.ZIP_DEFLATED)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def summary_sheet(table: pd.DataFrame, name: str = "Summary") -> NewSheet:
    """The summary frame as a sheet, the verdict rows charted."""
    rows: list[list[Any]] = [["section", "value", "rows", "share"]]
    for section, value, count, share in table[["section", "value", "rows", "share"]].itertuples(
            index=False, name=None):
        rows.append([section, value, int(count), None if pd.isna(share) else float(share)])
    verdict_rows = [i for i, r in enumerate(rows) if r[0] == "verdict"]
    return NewSheet(name, rows, chart_title="Rows per verdict",
                    chart_rows=(verdict_rows[0], verdict_rows[-1]), chart_labels=1, chart_values=2,
                    widths={0: 14, 1: 16, 2: 8, 3: 8})


def add_summary_sheet(path: str | os.PathLike[str], cleaned: pd.DataFrame, *, prefix: str = "",
                      split: bool = False) -> list[str]:
    """Add the ``Summary`` sheet (and, with ``split``, keep / review / drop sheets) of
    ``cleaned``, the result of ``clean()``, to the workbook at ``path``."""
    from sr_frames.cleanup.summary import summary

    sheets = [summary_sheet(summary(cleaned, prefix=prefix))]
    if split:
        sheets += split_sheets(cleaned, prefix + "verdict")
    return add_sheets(path, sheets)


def split_sheets(frame: pd.DataFrame, column: str = "verdict",
                 values: Sequence[str] = ("keep", "review", "drop")) -> list[NewSheet]:
    """One sheet per verdict with the rows that have it (every column, header first)."""
    header = [str(c) for c in frame.columns]
    out = []
    for value in values:
        part = frame[frame[column].astype("object") == value]
        rows = [header, *(list(r) for r in part.astype("object").itertuples(index=False, name=None))]
        out.append(NewSheet(value, rows))
    return out
