"""The sheet rewrite on the XML that real writers produce: rows and cells without ``r``,
empty rows the XML leaves out, shared formulas, rows below the table, a namespace
prefix, self-closing rows, cells right of the table."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from workbook_builders import rich_workbook

import sr_frames

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def text(value: str, ref: str = "", prefix: str = "") -> str:
    r = f' r="{ref}"' if ref else ""
    return f'<{prefix}c{r} t="inlineStr"><{prefix}is><{prefix}t>{value}</{prefix}t></{prefix}is></{prefix}c>'


def with_sheet(tmp_path: Path, sheet_data: str, *, prefix: str = "", after: str = "") -> Path:
    """An XlsxWriter workbook whose first sheet is replaced by ``sheet_data``."""
    source = rich_workbook(tmp_path / "base.xlsx", table=False)
    xmlns = f'xmlns:{prefix[:-1]}="{NS}"' if prefix else f'xmlns="{NS}"'
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?>\n<{prefix}worksheet {xmlns} '
             f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             f'<{prefix}dimension ref="A1:F9"/><{prefix}sheetData>{sheet_data}</{prefix}sheetData>{after}'
             f"</{prefix}worksheet>").encode()
    target = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename == "xl/worksheets/_rels/sheet1.xml.rels":
                continue  # the replaced sheet has no drawing, comments or links
            out.writestr(info, sheet if info.filename == "xl/worksheets/sheet1.xml" else src.read(info))
    return target


def sheet_cells(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    found: dict[str, bytes] = {}
    for number, row in enumerate(root.iter(f"{{{NS}}}row"), start=1):
        number = int(row.get("r") or number)
        for col, cell in enumerate(row.iter(f"{{{NS}}}c"), start=1):
            found[cell.get("r") or f"{chr(64 + col)}{number}"] = ElementTree.tostring(cell)
    return found


ODD_ROWS = (
    "<row>" + text("email") + text("name") + "</row>"            # row 1, no r anywhere
    + '<row spans="1:2">' + text("a@x.example") + text("Ana") + "</row>"
    # row 3 left out: an empty row inside the table
    + '<row r="4"/>'                                              # an empty self-closing row
    + '<row r="5">' + text("c@x.example", "A5")
    + '<c r="B5" t="str"><f t="shared" ref="B5:B6" si="0">A5&amp;"!"</f><v>c@x.example!</v></c></row>'
    + '<row r="6">' + text("d@x.example", "A6") + '<c r="B6" t="str"><f t="shared" si="0"/>'
    + "<v>d@x.example!</v></c>" + text("note beside", "F6") + "</row>"
    + '<row r="9">' + text("a note below the table", "E9") + "</row>"
)


def test_rows_and_cells_without_r_empty_rows_and_shared_formulas(tmp_path):
    source = with_sheet(tmp_path, ODD_ROWS)
    frame = sr_frames.read_table(source)
    assert frame["email"].tolist() == ["a@x.example", None, None, "c@x.example", "d@x.example"]
    assert frame["name"].tolist() == ["Ana", None, None, "c@x.example!", "d@x.example!"]
    result = frame.assign(status=["ok", "none", None, "ok", "ok"])
    sr_frames.write_table(result, source, tmp_path / "out.xlsx")
    before, after = sheet_cells(source), sheet_cells(tmp_path / "out.xlsx")
    for ref, xml in before.items():
        assert after[ref] == xml, ref
    assert set(after) - set(before) == {"C1", "C2", "C3", "C5", "C6"}
    back = sr_frames.read_table(tmp_path / "out.xlsx")
    assert back["status"].tolist() == ["ok", "none", None, "ok", "ok"]
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b'<row spans="1:3">' in sheet, "spans widened"
    assert b'<row r="3"><c r="C3"' in sheet, "the left-out row is written, in its place"
    assert b'<row r="4"/>' in sheet and b'<dimension ref="A1:F9"/>' in sheet
    assert sheet.index(b'r="C6"') < sheet.index(b'r="F6"'), "cells stay in column order"


def test_a_namespace_prefix_is_kept_on_new_cells(tmp_path):
    rows = ("<x:row r=\"1\">" + text("email", "A1", "x:") + "</x:row><x:row r=\"2\">"
            + text("a@x.example", "A2", "x:") + "</x:row>")
    source = with_sheet(tmp_path, rows, prefix="x:", after='<x:autoFilter ref="A1:A2"/>')
    frame = sr_frames.read_table(source)
    sr_frames.write_table(frame.assign(status=["=1+1"]), source, tmp_path / "out.xlsx")
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b'<x:c r="B2" s="' in sheet and b"<x:is><x:t>=1+1</x:t></x:is></x:c>" in sheet
    assert b'<x:autoFilter ref="A1:B2"/>' in sheet
    assert sr_frames.read_table(tmp_path / "out.xlsx")["status"].tolist() == ["=1+1"]


def test_an_existing_column_is_updated_keeping_its_style_but_formulas_are_refused(tmp_path):
    styled = '<c s="1" t="inlineStr"><is><t>Ana</t></is></c>'
    source = with_sheet(tmp_path, ODD_ROWS.replace(text("Ana"), styled))
    frame = sr_frames.read_table(source)
    with pytest.raises(ValueError, match="cell B5 holds a formula"):
        sr_frames.write_table(frame.assign(name="x"), source, tmp_path / "out.xlsx", columns=["name"])
    assert not (tmp_path / "out.xlsx").exists()
    frame = frame.assign(email=["A", "B", "C", "D", "E"])
    sr_frames.write_table(frame, source, tmp_path / "out.xlsx", columns=["email"])
    assert sr_frames.read_table(tmp_path / "out.xlsx")["email"].tolist() == ["A", "B", "C", "D", "E"]
    assert sheet_cells(tmp_path / "out.xlsx")["B2"] == sheet_cells(source)["B2"]


def test_a_sheet_changed_after_read_table_is_read_again_before_writing(tmp_path):
    table = '<row r="1">' + text("email", "A1") + '</row><row r="2">' + text("a@x.example", "A2") + "</row>"
    source = with_sheet(tmp_path, table)
    frame = sr_frames.read_table(source)  # what this read found would place "status" in B
    beside = table.replace("</row><row", text("a note", "C1") + "</row><row", 1)
    with_sheet(tmp_path, beside).replace(source)  # the user adds a note in C1 meanwhile
    sr_frames.write_table(frame.assign(status=["ok"]), source, tmp_path / "out.xlsx")
    cells = sheet_cells(tmp_path / "out.xlsx")
    assert b"a note" in cells["C1"], "the user's new cell is kept"
    assert b"status" in cells["D1"] and b"ok" in cells["D2"], "results go right of everything in use"
    assert "B1" not in cells


def test_cells_whose_r_comes_after_other_attributes_get_ours_after_them(tmp_path):
    rows = ('<row r="1">' + text("email", "A1") + '<c s="0" t="inlineStr" r="B1"><is><t>name</t></is></c>'
            '</row><row r="2">' + text("a@x.example", "A2")
            + '<c t="inlineStr" s="0" r="B2"><is><t>Ana</t></is></c></row>'
            '<row r="3"><c t="n" r="A3"><v>7</v></c><c><v>8</v></c></row>')  # B3 has no r
    source = with_sheet(tmp_path, rows)
    frame = sr_frames.read_table(source)
    sr_frames.write_table(frame.assign(status=["ok", "no"]), source, tmp_path / "out.xlsx")
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b'r="B2"><is><t>Ana</t></is></c><c r="C2" t="inlineStr"><is><t>ok</t></is></c></row>' in sheet
    assert b'<c><v>8</v></c><c r="C3" t="inlineStr"><is><t>no</t></is></c></row>' in sheet
    assert sr_frames.read_table(tmp_path / "out.xlsx").to_dict("list") == {
        "email": ["a@x.example", "7"], "name": ["Ana", "8"], "status": ["ok", "no"]}
