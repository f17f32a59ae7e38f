"""A workbook comes back as it went in: only the cells we add are new.

The workbooks are built here with XlsxWriter (a chart, an image with a hyperlink, an
Excel Table, comments, sparklines, data validation, Excel 2010 data bars, hyperlinks,
defined names, a hidden sheet, formulas with cached values) and by LibreOffice
(``tests/data/``), run through ``sr-frames verify-emails --sandbox`` or
``write_table``, and compared member by member with the source.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
from workbook_builders import ods_cell, ods_row, ods_workbook, rich_workbook

import sr_frames
from sr_frames.cli import main

DATA = Path(__file__).resolve().parent / "data"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def cells(sheet_xml: bytes) -> dict[str, bytes]:
    """Every cell of a sheet, by reference, as its canonical XML."""
    root = ElementTree.fromstring(sheet_xml)
    found = {}
    for row in root.iter(f"{MAIN}row"):
        for cell in row.iter(f"{MAIN}c"):
            found[cell.get("r")] = ElementTree.tostring(cell)
    return found


def changed_members(source: Path, output: Path) -> set[str]:
    before, after = members(source), members(output)
    assert list(before) == list(after), "same members, same order"
    return {name for name in before if before[name] != after[name]}


def test_verify_emails_changes_only_the_sheet_its_table_and_styles(sandbox, tmp_path):
    source = rich_workbook(tmp_path / "leads.xlsx")
    output = tmp_path / "leads.verified.xlsx"
    assert main(["verify-emails", str(source), "-o", str(output), "-q"]) == 0
    changed = changed_members(source, output)
    assert changed <= {"xl/worksheets/sheet1.xml", "xl/tables/table1.xml", "xl/styles.xml"}
    assert "xl/worksheets/sheet1.xml" in changed and "xl/tables/table1.xml" in changed
    after = members(output)
    for kept in ("xl/media/image1.png", "xl/charts/chart1.xml", "xl/worksheets/sheet2.xml",
                 "xl/drawings/drawing1.xml", "xl/drawings/_rels/drawing1.xml.rels", "xl/comments1.xml",
                 "docProps/app.xml", "xl/workbook.xml", "xl/sharedStrings.xml"):
        assert kept in after
    assert b"<x14:sparklineGroups" in after["xl/worksheets/sheet2.xml"]
    assert b"x14:dataBar" in after["xl/worksheets/sheet1.xml"], "the Excel 2010 data bar is kept"
    for part in (b"<dataValidations", b"<hyperlinks>", b"<drawing r:id", b"<legacyDrawing", b"<tableParts"):
        assert part in after["xl/worksheets/sheet1.xml"], part


def test_every_original_cell_of_the_changed_sheet_is_unchanged(sandbox, tmp_path):
    source = rich_workbook(tmp_path / "leads.xlsx")
    output = tmp_path / "out.xlsx"
    assert main(["verify-emails", str(source), "-o", str(output), "-q"]) == 0
    before = cells(members(source)["xl/worksheets/sheet1.xml"])
    after = cells(members(output)["xl/worksheets/sheet1.xml"])
    for ref, xml in before.items():
        assert after[ref] == xml, ref
    assert b"v>000001-10</" in before["F2"], "the formula's cached value is there"
    new = set(after) - set(before)
    assert {"G1", "G2", "G7"} <= new and all(ref[0] >= "G" for ref in new)
    again = sr_frames.read_table(output)
    assert again.loc[0, "label"] == "000001-10"
    assert again.loc[0, "email_status"] and again["postal_code"].tolist()[0] == "02001"


def test_the_table_grows_by_the_new_columns(tmp_path):
    source = rich_workbook(tmp_path / "leads.xlsx")
    frame = sr_frames.read_table(source).assign(email_status="Valid", email_score=[1, 2, 3, 4, 5, 6])
    sr_frames.write_table(frame, source, tmp_path / "out.xlsx")
    table = ElementTree.fromstring(members(tmp_path / "out.xlsx")["xl/tables/table1.xml"])
    assert table.get("ref") == "A1:H7"
    assert table.find(f"{MAIN}autoFilter").get("ref") == "A1:H7"
    names = [c.get("name") for c in table.iter(f"{MAIN}tableColumn")]
    assert names[-2:] == ["email_status", "email_score"]
    assert table.find(f"{MAIN}tableColumns").get("count") == "8"


def test_an_autofilter_grows_and_the_header_style_is_the_header_rows(tmp_path):
    source = rich_workbook(tmp_path / "leads.xlsx", table=False)
    frame = sr_frames.read_table(source).assign(email_status="Valid")
    sr_frames.write_table(frame, source, tmp_path / "out.xlsx")
    sheet = members(tmp_path / "out.xlsx")["xl/worksheets/sheet1.xml"]
    assert b'<autoFilter ref="A1:G7"/>' in sheet
    header = cells(sheet)
    assert ElementTree.fromstring(header["G1"]).get("s") == ElementTree.fromstring(header["F1"]).get("s")
    assert b'<dimension ref="A1:M12"/>' in sheet


def test_formula_like_results_are_inline_text_with_the_quote_prefix_style(tmp_path):
    source = rich_workbook(tmp_path / "leads.xlsx")
    risky = ['=HYPERLINK("http://x","y")', "+1-1", "-1-1", "@SUM(A1)", "\tx", "plain"]
    sr_frames.write_table(sr_frames.read_table(source).assign(note=risky), source, tmp_path / "out.xlsx")
    parts = members(tmp_path / "out.xlsx")
    added = cells(parts["xl/worksheets/sheet1.xml"])
    styles = ElementTree.fromstring(parts["xl/styles.xml"])
    xfs = styles.find(f"{MAIN}cellXfs").findall(f"{MAIN}xf")
    assert styles.find(f"{MAIN}cellXfs").get("count") == str(len(xfs))
    for row, text in enumerate(risky, start=2):
        cell = ElementTree.fromstring(added[f"G{row}"])
        assert cell.get("t") == "inlineStr" and cell.find(f"{MAIN}is/{MAIN}t").text == text
        quoted = cell.get("s") is not None and xfs[int(cell.get("s"))].get("quotePrefix") == "1"
        assert quoted == (text != "plain"), text
    assert parts["xl/sharedStrings.xml"] == members(source)["xl/sharedStrings.xml"]
    assert sr_frames.read_table(tmp_path / "out.xlsx")["note"].tolist() == risky


def test_values_of_every_kind_become_typed_cells(tmp_path):
    source = rich_workbook(tmp_path / "leads.xlsx")
    frame = sr_frames.read_table(source).assign(
        score=pd.array([97, None, 12, 0, 5, 1], dtype="Int64"),
        flag=[True, False, None, True, True, False],
        seen=pd.to_datetime(["2024-09-17", None, "2024-09-18 10:30", "2024-01-01", "2024-01-02", None],
                            format="ISO8601"),
        mx=[["a", "b"], [], None, ["c"], ["a", "b"], ["d"]])
    sr_frames.write_table(frame, source, tmp_path / "out.xlsx", columns=["score", "flag", "seen", "mx"])
    # "score" is already in the table: updated in place, keeping its cells' style
    back = sr_frames.read_table(tmp_path / "out.xlsx")
    assert back["score"].tolist() == ["97", None, "12", "0", "5", "1"]
    assert back["flag"].tolist() == ["TRUE", "FALSE", None, "TRUE", "TRUE", "FALSE"]
    assert back["seen"].tolist()[:3] == ["2024-09-17", None, "2024-09-18 10:30:00"]
    assert back["mx"].tolist() == ["a; b", None, None, "c", "a; b", "d"]


def test_macros_stay_in_an_xlsm(tmp_path):
    source = rich_workbook(tmp_path / "leads.xlsx")
    macro = tmp_path / "leads.xlsm"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(macro, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml").replace(
                    b"<Default Extension=\"png\"", b'<Default Extension="bin" ContentType="application/'
                    b'vnd.ms-office.vbaProject"/><Default Extension="png"')
            out.writestr(info, data)
        out.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 pretend VBA project")
    sr_frames.write_table(sr_frames.read_table(macro).assign(x="y"), macro, tmp_path / "out.xlsm")
    changed = changed_members(macro, tmp_path / "out.xlsm")
    assert changed <= {"xl/worksheets/sheet1.xml", "xl/tables/table1.xml"}
    assert members(tmp_path / "out.xlsm")["xl/vbaProject.bin"] == members(macro)["xl/vbaProject.bin"]


@pytest.mark.parametrize("name", ["libreoffice.xlsx"])
def test_a_libreoffice_workbook_round_trips_the_same_way(tmp_path, name):
    source = tmp_path / name
    shutil.copy(DATA / name, source)
    frame = sr_frames.read_table(source)
    assert frame["lead_id"].tolist()[:2] == ["000001", "000002"]
    assert frame["postal_code"].tolist()[0] == "02001"
    sr_frames.write_table(frame.assign(email_status="Valid"), source, tmp_path / "out.xlsx")
    changed = changed_members(source, tmp_path / "out.xlsx")
    assert changed <= {"xl/worksheets/sheet1.xml", "xl/styles.xml"}
    before = cells(members(source)["xl/worksheets/sheet1.xml"])
    after = cells(members(tmp_path / "out.xlsx")["xl/worksheets/sheet1.xml"])
    assert all(after[ref] == xml for ref, xml in before.items())
    assert sr_frames.read_table(tmp_path / "out.xlsx")["email_status"].eq("Valid").all()


@pytest.mark.parametrize("suffix", [".ods", ".xls"])
def test_ods_and_xls_are_read_and_their_results_written_as_xlsx_beside_them(sandbox, tmp_path, suffix):
    source = tmp_path / f"leads{suffix}"
    shutil.copy(DATA / f"libreoffice{suffix}", source)
    frame = sr_frames.read_table(source)
    assert frame["lead_id"].tolist()[:2] == ["000001", "000002"]
    # a number shown with leading zeros: .ods keeps the text shown, .xls only the number
    assert frame["postal_code"].tolist()[0] == ("02001" if suffix == ".ods" else "2001")
    assert main(["verify-emails", str(source), "-q"]) == 0
    output = tmp_path / "leads.enriched.xlsx"
    result = sr_frames.read_table(output)
    assert list(result.columns[: len(frame.columns)]) == list(frame.columns)
    assert "email_status" in result.columns and len(result) == len(frame)
    with pytest.raises(ValueError, match=rf"same kind of file as leads\{suffix} \(\.xlsx\)"):
        sr_frames.write_table(result, source, tmp_path / f"out{suffix}")


def test_an_ods_sheet_is_read_with_the_zeros_it_shows(tmp_path):
    # postal codes and phone numbers kept as numbers formatted with leading zeros; cells
    # and rows repeated as OpenDocument writes them; the same in another sheet
    source = ods_workbook(tmp_path / "leads.ods", {
        "Elsewhere": [ods_row(ods_cell("zip")), ods_row(ods_cell(7, "007"))],
        "Leads": [
            ods_row(ods_cell("email"), ods_cell("zip"), ods_cell("phone"), ods_cell("score")),
            ods_row(ods_cell("ana@x.example"), ods_cell(2001, "02001"),
                    ods_cell(1512345678, "01512345678"), ods_cell(5)),
            ods_row(ods_cell("bo@x.example"), ods_cell(12, "00012", repeat=2), ods_cell(0.5, "0.50"),
                    repeat=2),
            ods_row(ods_cell("cy@x.example"), ods_cell(3, "3.00"), ods_cell(40, "40"), ods_cell(1, "001%")),
        ],
    })
    frame = sr_frames.read_table(source, sheet="Leads")
    assert frame.to_dict("list") == {
        "email": ["ana@x.example", "bo@x.example", "bo@x.example", "cy@x.example"],
        "zip": ["02001", "00012", "00012", "3"],
        "phone": ["01512345678", "00012", "00012", "40"],
        "score": ["5", "0.5", "0.5", "1"],  # only whole numbers padded with zeros are read as shown
    }
    assert sr_frames.read_table(source)["zip"].tolist() == ["007"]
