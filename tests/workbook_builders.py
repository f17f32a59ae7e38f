"""Workbooks built in the tests with XlsxWriter, holding what a real lead list holds."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import xlsxwriter

EMAILS = ["ana@quietwave.example", "bo@brightwave.example", "", "cy@kestrel.example",
          "dee@quietwave.example", "ed@nowhere.example"]


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid PNG of a red rectangle, made without any imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def rich_workbook(path: Path, *, table: bool = True) -> Path:
    """A lead list with a chart, an image with a hyperlink, an Excel Table, comments,
    sparklines, data validation, Excel 2010 data bars, hyperlinks, defined names, a
    hidden sheet and formulas with cached values."""
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"title": "Leads", "company": "Quietwave Ventures", "author": "Ana"})
    bold = book.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF"})
    padded = book.add_format({"num_format": "00000"})
    leads = book.add_worksheet("Leads")
    summary = book.add_worksheet("Summary")
    hidden = book.add_worksheet("Lookup")
    hidden.hide()
    header = ["lead_id", "email", "phone", "postal_code", "score", "label"]
    n = len(EMAILS)
    for row, email in enumerate(EMAILS, start=1):
        leads.write_string(row, 0, f"{row:06d}")
        if email:
            leads.write_string(row, 1, email)
        leads.write_string(row, 2, f"+44 20 7946 {row:04d}")
        leads.write_number(row, 3, 2000 + row, padded)
        leads.write_number(row, 4, row * 10)
        leads.write_formula(row, 5, f'=A{row + 1}&"-"&E{row + 1}', None, f"{row:06d}-{row * 10}")
    if table:
        leads.add_table(0, 0, n, len(header) - 1, {
            "name": "LeadTable", "style": "Table Style Medium 2",
            "columns": [{"header": h, "header_format": bold} for h in header]})
    else:
        leads.write_row(0, 0, header, bold)
        leads.autofilter(0, 0, n, len(header) - 1)
    leads.set_column(0, 5, 18)
    leads.write_comment("B2", "checked by phone", {"author": ""})
    leads.write_url("M12", "https://quietwave.example/leads", string="source")
    leads.data_validation(1, 4, n, 4, {"validate": "integer", "criteria": "between",
                                       "minimum": 0, "maximum": 100})
    leads.conditional_format(1, 4, n, 4, {"type": "data_bar", "data_bar_2010": True,
                                          "bar_solid": True, "bar_color": "#63C384"})
    leads.freeze_panes(1, 0)
    summary.write_row(0, 0, ["month", "leads"], bold)
    for i, count in enumerate([12, 30, 21, 44]):
        summary.write_string(i + 1, 0, f"2024-0{i + 1}")
        summary.write_number(i + 1, 1, count)
    summary.write_formula("B6", "=SUM(B2:B5)", None, 107)
    summary.add_sparkline("C2", {"range": "Summary!B2:B5", "type": "column"})
    chart = book.add_chart({"type": "column"})
    chart.add_series({"categories": "=Summary!$A$2:$A$5", "values": "=Summary!$B$2:$B$5"})
    summary.insert_chart("E2", chart)
    image = path.with_name("logo.png")
    image.write_bytes(tiny_png())
    summary.insert_image("E20", str(image), {"url": "https://quietwave.example/"})
    leads.insert_image("J3", str(image), {"url": "https://quietwave.example/logo"})
    hidden.write_string("A1", "secret lookup")
    book.define_name("Scores", f"=Leads!$E$2:$E${n + 1}")
    book.define_name("Leads!LocalName", "=Leads!$A$1")
    book.close()
    return path


_ODS_NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                   'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
    '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type='
    '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
    'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')


def ods_cell(value: str | float, shown: str | None = None, *, repeat: int = 1) -> str:
    """One OpenDocument cell: text, or a number with the text the sheet shows for it."""
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if isinstance(value, str):
        return (f'<table:table-cell office:value-type="string"{repeated}>'
                f'<text:p>{value}</text:p></table:table-cell>')
    return (f'<table:table-cell office:value-type="float" office:value="{value}"{repeated}>'
            f'<text:p>{value if shown is None else shown}</text:p></table:table-cell>')


def ods_row(*cells: str, repeat: int = 1) -> str:
    repeated = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{repeated}>{''.join(cells)}</table:table-row>"


def ods_workbook(path: Path, sheets: dict[str, list[str]]) -> Path:
    """An ``.ods`` file of ``{sheet name: rows}`` (rows from :func:`ods_row`), as small as
    a spreadsheet application accepts: the mimetype, the manifest and the content."""
    import zipfile

    tables = "".join(f'<table:table table:name="{name}">{"".join(rows)}</table:table>'
                     for name, rows in sheets.items())
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NAMESPACES} '
               f'office:version="1.3"><office:body><office:spreadsheet>{tables}'
               "</office:spreadsheet></office:body></office:document-content>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        archive.writestr("content.xml", content)
    return path
