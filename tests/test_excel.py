"""The workbook round-trip: read a lead list, add result columns, write a new workbook.

Every test uses real files in ``tmp_path`` and real DataFrames, the way the command line
uses ``sr_frames.files.workbook``: ``read_table`` -> a verb adds columns -> ``write_table``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from copy import copy
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table

from sr_frames.files.workbook import default_output_path, read_table, write_table

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
LEADS_XLSX = SAMPLE / "leads.xlsx"
LEADS_CSV = SAMPLE / "leads.csv"
BASE_COLUMNS = [
    "lead_id", "first_name", "last_name", "company", "domain", "email", "phone",
    "linkedin", "company_linkedin", "postal_code", "stage",
]
MEMBERSHIP = {"id": 90, "list_name": "Spring fair", "date_of_creation": "2021-04-15 21:26:29",
              "campaigns": [{"id": 582, "name": "Follow-up"}]}
HYPERLINK = '=HYPERLINK("http://x","y")'


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def column(values: list[object], frame: pd.DataFrame) -> pd.Series:
    """A result column holding arbitrary Python values (lists, dicts) one per row."""
    return pd.Series(values, index=frame.index, dtype=object)


def enrich(frame: pd.DataFrame) -> pd.DataFrame:
    """What the verbs add to a lead list: plain values, lists, lists of dicts, blanks."""
    n = len(frame)
    return frame.assign(
        email_status=column(["Valid", "Invalid", None, "Catch-all"] * (n // 4), frame),
        email_mx_records=column([["mx1.example.net", "mx2.example.net"], [], None, ["mx.a.io"]]
                                * (n // 4), frame),
        phone_timezone=column([["Europe/London"], ["America/New_York", "America/Chicago"]]
                              * (n // 2), frame),
        list_memberships=column([[MEMBERSHIP, {"id": 47, "list_name": "Trade show",
                                               "campaigns": []}], None] * (n // 2), frame),
        found_email=column([HYPERLINK, "+44 20 7946 0958", "ana@quietwave.example", None]
                           * (n // 4), frame),
    )


def style(cell: openpyxl.cell.cell.Cell) -> tuple[object, ...]:
    # cell.font etc. are proxies; their copies are the comparable style objects
    return tuple(copy(getattr(cell, name)) for name in ("font", "fill", "border", "alignment"))


def cell_facts(cell: openpyxl.cell.cell.Cell) -> tuple[object, ...]:
    return (cell.value, cell.data_type, cell.number_format, copy(cell.protection), *style(cell))


def assert_same_cells(before, after, max_col: int | None = None) -> None:
    rows_before = list(before.iter_rows(max_col=max_col))
    rows_after = list(after.iter_rows(max_row=before.max_row, max_col=max_col or before.max_column))
    assert len(rows_before) == len(rows_after)
    for old_row, new_row in zip(rows_before, rows_after, strict=True):
        for old, new in zip(old_row, new_row, strict=True):
            assert cell_facts(old) == cell_facts(new), old.coordinate


@pytest.fixture
def enriched_output(tmp_path: Path) -> Path:
    """The sample workbook after a run that added five result columns."""
    output = tmp_path / "leads.enriched.xlsx"
    write_table(enrich(read_table(LEADS_XLSX)), LEADS_XLSX, output)
    return output


# -- round trip ----------------------------------------------------------------------


def test_round_trip_leaves_the_source_file_untouched(tmp_path: Path) -> None:
    before = digest(LEADS_XLSX)
    write_table(enrich(read_table(LEADS_XLSX)), LEADS_XLSX, tmp_path / "out.xlsx")
    assert digest(LEADS_XLSX) == before


def test_round_trip_keeps_every_other_sheet_cell_by_cell(enriched_output: Path) -> None:
    source, output = openpyxl.load_workbook(LEADS_XLSX), openpyxl.load_workbook(enriched_output)
    assert output.sheetnames == ["Leads", "Notes"]
    assert_same_cells(source["Notes"], output["Notes"])
    assert output["Notes"].merged_cells.ranges == source["Notes"].merged_cells.ranges
    assert output["Notes"]["B8"].value == "=COUNTA(Leads!A2:A321)"


def test_round_trip_keeps_the_table_its_formulas_and_its_layout(enriched_output: Path) -> None:
    source = openpyxl.load_workbook(LEADS_XLSX)["Leads"]
    leads = openpyxl.load_workbook(enriched_output)["Leads"]
    assert_same_cells(source, leads, max_col=12)
    assert leads["L2"].data_type == "f" and leads["L2"].value == '=B2&" "&C2'
    assert leads.freeze_panes == "A2"
    for letter in "ABCDEFGHIJKL":
        assert leads.column_dimensions[letter].width == source.column_dimensions[letter].width
    [stage] = leads.data_validations.dataValidation
    assert str(stage.sqref) == "K2:K321"
    assert stage.formula1 == '"New,Contacted,Qualified,Proposal,Won,Lost"'
    assert leads.auto_filter.ref == "A1:R321"  # the filter now covers the new columns


def test_new_columns_are_appended_with_the_header_style(enriched_output: Path) -> None:
    leads = openpyxl.load_workbook(enriched_output)["Leads"]
    headers = [cell.value for cell in leads[1]]
    assert headers[13:] == ["email_status", "email_mx_records", "phone_timezone",
                            "list_memberships", "found_email"]
    model = leads["M1"]
    for cell in leads[1][13:]:
        assert style(cell) == style(model)
        assert cell.font.bold and cell.fill.fgColor.rgb == "001F4E78"


def test_lists_are_joined_readably_and_missing_values_leave_cells_empty(
    enriched_output: Path,
) -> None:
    result = read_table(enriched_output)
    assert result.loc[0, "email_mx_records"] == "mx1.example.net; mx2.example.net"
    assert result.loc[1, "email_mx_records"] is None  # an empty list
    assert result.loc[2, "email_status"] is None
    assert result.loc[1, "phone_timezone"] == "America/New_York; America/Chicago"
    assert result.loc[0, "list_memberships"] == (
        "id: 90, list_name: Spring fair, date_of_creation: 2021-04-15 21:26:29, "
        "campaigns: [{id: 582, name: Follow-up}]; id: 47, list_name: Trade show, campaigns: []"
    )
    assert result.loc[1, "list_memberships"] is None


# -- text stays text -----------------------------------------------------------------


def test_formula_looking_results_are_stored_as_text(enriched_output: Path) -> None:
    leads = openpyxl.load_workbook(enriched_output)["Leads"]
    injected = leads["R2"]
    assert injected.value == HYPERLINK
    assert injected.data_type == "s"
    assert injected.quotePrefix
    assert leads["R3"].value == "+44 20 7946 0958" and leads["R3"].data_type == "s"
    computed = openpyxl.load_workbook(enriched_output, data_only=True)["Leads"]
    assert computed["R2"].value == HYPERLINK  # a formula would have no cached value
    assert read_table(enriched_output).loc[0, "found_email"] == HYPERLINK


def small_workbook(path: Path) -> Path:
    """A lead list the way people type it: phones and ids as text, a zip code as a number."""
    book = Workbook()
    ws = book.active
    ws.title = "Leads"
    ws.append(["lead_id", "phone", "postal_code", "email"])
    ws.append(["000123", "+44 20 7946 0958", 2139, "jane@brightwave.example"])
    ws.append(["000124", "0044 20 7946 0123", 7030, None])
    ws.append(["000125", 442079460958, "EC1A 1BB", "  "])
    for row in (2, 3):
        ws.cell(row, 3).number_format = "00000"
    book.save(path)
    return path


def test_phones_ids_and_postal_codes_read_as_the_user_sees_them(tmp_path: Path) -> None:
    frame = read_table(small_workbook(tmp_path / "typed.xlsx"))
    assert frame["lead_id"].tolist() == ["000123", "000124", "000125"]
    assert frame["phone"].tolist() == ["+44 20 7946 0958", "0044 20 7946 0123", "442079460958"]
    assert frame["postal_code"].tolist() == ["02139", "07030", "EC1A 1BB"]
    assert frame.loc[1, "email"] is None
    assert frame.loc[2, "email"] == "  "  # blank text is the verbs' business, not a reader's


def test_text_and_leading_zeros_survive_the_round_trip(tmp_path: Path) -> None:
    source = small_workbook(tmp_path / "typed.xlsx")
    frame = read_table(source)
    frame["phone_international"] = ["+44 20 7946 0958", "+44 20 7946 0123", "-"]
    write_table(frame, source, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["Leads"]
    assert [c.value for c in sheet["B"][1:3]] == ["+44 20 7946 0958", "0044 20 7946 0123"]
    assert sheet["C2"].value == 2139 and sheet["C2"].number_format == "00000"
    assert sheet["E2"].value == "+44 20 7946 0958" and sheet["E2"].data_type == "s"
    again = read_table(tmp_path / "out.xlsx")
    assert again["lead_id"].tolist() == ["000123", "000124", "000125"]
    assert again["postal_code"].tolist() == ["02139", "07030", "EC1A 1BB"]
    assert again["phone_international"].tolist() == frame["phone_international"].tolist()


# -- read_table ------------------------------------------------------------------------


def test_read_table_gives_the_sample_as_text() -> None:
    leads = read_table(LEADS_XLSX)
    assert list(leads.columns) == [*BASE_COLUMNS, "full_name", "country"]
    assert len(leads) == 320
    assert leads["lead_id"].str.fullmatch(r"\d{6}").all()
    assert leads.loc[0, "lead_id"] == "000001"
    phones = leads["phone"].dropna()
    assert phones.map(type).eq(str).all()
    assert "442079460958" in set(phones)  # a phone Excel had stored as a number
    assert not phones.str.contains("e+", regex=False).any()
    assert "02139" in set(leads["postal_code"])  # a number formatted "00000"
    assert leads["email"].isna().any() and leads["phone"].isna().any()
    # the workbook was never calculated, so its formula column has no value yet
    assert leads["full_name"].isna().all()


def test_csv_reads_like_the_workbook() -> None:
    from_xlsx, from_csv = read_table(LEADS_XLSX), read_table(LEADS_CSV)
    pd.testing.assert_frame_equal(from_csv[BASE_COLUMNS], from_xlsx[BASE_COLUMNS])
    assert from_csv.loc[0, "full_name"] == f"{from_csv.loc[0, 'first_name']} {from_csv.loc[0, 'last_name']}"


def test_a_sheet_can_be_chosen_by_name() -> None:
    notes = read_table(LEADS_XLSX, sheet="Notes")
    assert list(notes.columns) == ["About this file"]
    assert read_table(LEADS_XLSX, sheet="leads").shape == (320, 13)  # case is forgiven


def test_an_unknown_sheet_names_the_sheets_there_are() -> None:
    with pytest.raises(ValueError, match=r"no sheet named 'Contacts'.*'Leads', 'Notes'"):
        read_table(LEADS_XLSX, sheet="Contacts")


def test_unreadable_inputs_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_table(tmp_path / "missing.xlsx")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")  # .xls is read, but this one is broken
    with pytest.raises(ValueError, match=r"old\.xls is not a readable workbook.*save it again as \.xlsx"):
        read_table(tmp_path / "old.xls")
    (tmp_path / "notes.docx").write_bytes(b"PK")
    with pytest.raises(ValueError, match=r"unsupported file type '\.docx'"):
        read_table(tmp_path / "notes.docx")
    (tmp_path / "broken.xlsx").write_text("not a zip file")
    with pytest.raises(ValueError, match="not a readable workbook"):
        read_table(tmp_path / "broken.xlsx")
    with pytest.raises(ValueError, match="has no sheets"):
        read_table(LEADS_CSV, sheet="Leads")


# -- write_table -------------------------------------------------------------------------


def test_csv_round_trip(tmp_path: Path) -> None:
    before = digest(LEADS_CSV)
    output = tmp_path / "leads.enriched.csv"
    write_table(enrich(read_table(LEADS_CSV)), LEADS_CSV, output)
    assert digest(LEADS_CSV) == before
    result = read_table(output)
    pd.testing.assert_frame_equal(result[[*BASE_COLUMNS, "full_name", "country"]], read_table(LEADS_CSV))
    assert result.loc[0, "email_mx_records"] == "mx1.example.net; mx2.example.net"
    assert result.loc[1, "found_email"] == "+44 20 7946 0958"
    # a CSV cell cannot be marked as text: the apostrophe keeps a spreadsheet from running it
    assert result.loc[0, "found_email"] == "'" + HYPERLINK
    assert output.read_bytes().startswith(LEADS_CSV.read_bytes()[:3])  # the BOM is kept


def test_a_named_column_already_in_the_table_is_updated_in_place(tmp_path: Path) -> None:
    frame = read_table(LEADS_XLSX)
    frame["stage"] = "Won"
    write_table(frame, LEADS_XLSX, tmp_path / "out.xlsx", columns=["stage"])
    result = read_table(tmp_path / "out.xlsx")
    assert list(result.columns) == list(frame.columns)
    assert (result["stage"] == "Won").all()


def test_new_columns_never_overwrite_cells_right_of_the_table(tmp_path: Path) -> None:
    source = small_workbook(tmp_path / "typed.xlsx")
    book = openpyxl.load_workbook(source)
    book["Leads"]["E2"] = "note to self"
    book.save(source)
    frame = read_table(source)
    frame["email_status"] = ["Valid", None, "Invalid"]
    write_table(frame, source, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["Leads"]
    assert sheet["E2"].value == "note to self" and sheet["E1"].value is None
    assert sheet["F1"].value == "email_status" and sheet["F2"].value == "Valid"


def test_a_title_above_the_table_and_merged_cells_beside_it_are_respected(tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    ws["A1"] = "Leads from the spring fair"
    ws.merge_cells("A1:C1")
    ws.append([])
    ws.append(["email", "phone"])
    ws.append(["ana@quietwave.example", "+44 20 7946 0958"])
    ws.append(["bo@quietwave.example", None])
    book.save(tmp_path / "titled.xlsx")
    frame = read_table(tmp_path / "titled.xlsx")
    assert list(frame.columns) == ["email", "phone"] and len(frame) == 2
    ws["C4"] = "merged note"
    ws.merge_cells("C4:C5")
    book.save(tmp_path / "titled.xlsx")
    write_table(frame.assign(email_status=["Valid", "Invalid"]), tmp_path / "titled.xlsx",
                tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    assert sheet["A1"].value == "Leads from the spring fair"
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:C1", "C4:C5"}
    assert [sheet["D3"].value, sheet["D4"].value, sheet["D5"].value] == [
        "email_status", "Valid", "Invalid"]


def test_values_of_every_kind_become_cells(tmp_path: Path) -> None:
    source = small_workbook(tmp_path / "typed.xlsx")
    frame = read_table(source).assign(
        email_confidence_score=pd.array([97, pd.NA, 12], dtype="Int64"),
        email_disposable=[True, False, None],
        checked_at=pd.to_datetime(["2024-09-17 09:00", None, "2024-09-18 10:30"]).tz_localize("UTC"),
        email_message=["ok\x07", "@mention", float("nan")],
    )
    write_table(frame, source, tmp_path / "out.xlsx")
    rows = list(openpyxl.load_workbook(tmp_path / "out.xlsx").active.iter_rows(
        min_row=2, min_col=5, values_only=True))
    assert rows == [
        (97, True, "2024-09-17T09:00:00+00:00", "ok"),
        (None, False, None, "@mention"),
        (12, None, "2024-09-18T10:30:00+00:00", None),
    ]


def test_an_excel_table_grows_to_hold_the_new_columns(tmp_path: Path) -> None:
    source = small_workbook(tmp_path / "table.xlsx")
    book = openpyxl.load_workbook(source)
    book["Leads"].add_table(Table(displayName="Leads", ref="A1:D4"))
    book.save(source)
    frame = read_table(source)
    write_table(frame.assign(email_status=["Valid", "Invalid", None]), source, tmp_path / "o.xlsx")
    table = openpyxl.load_workbook(tmp_path / "o.xlsx")["Leads"].tables["Leads"]
    assert table.ref == "A1:E4"
    assert [c.name for c in table.tableColumns][-1] == "email_status"


def test_the_frame_must_match_the_sheet_row_for_row(tmp_path: Path) -> None:
    frame = enrich(read_table(LEADS_XLSX)).head(10)
    with pytest.raises(ValueError, match="10 rows but sheet 'Leads' has 320 data rows"):
        write_table(frame, LEADS_XLSX, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_the_source_is_overwritten_only_when_asked(tmp_path: Path) -> None:
    source = tmp_path / "leads.xlsx"
    shutil.copy(LEADS_XLSX, source)
    frame = enrich(read_table(source))
    with pytest.raises(ValueError, match="in_place=True"):
        write_table(frame, source, source)
    with pytest.raises(ValueError, match="output must be"):
        write_table(frame, source, tmp_path / "other.xlsx", in_place=True)
    with pytest.raises(ValueError, match="same kind of file"):
        write_table(frame, source, tmp_path / "out.csv")
    write_table(frame, source, source, in_place=True)
    assert "found_email" in read_table(source).columns


def test_a_failed_save_leaves_no_output_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash_halfway(source, write, edit) -> None:
        write(b"<worksheet>half a sheet")
        raise OSError("disk full")

    monkeypatch.setattr("sr_frames.files.xlsx_writer.rewrite_sheet", crash_halfway)
    frame = enrich(read_table(LEADS_XLSX))
    with pytest.raises(OSError, match="disk full"):
        write_table(frame, LEADS_XLSX, tmp_path / "new.xlsx")
    assert list(tmp_path.iterdir()) == []

    existing = tmp_path / "previous.xlsx"
    existing.write_bytes(b"yesterday's results")
    with pytest.raises(OSError, match="disk full"):
        write_table(frame, LEADS_XLSX, existing)
    assert existing.read_bytes() == b"yesterday's results"
    assert list(tmp_path.iterdir()) == [existing]


def test_a_failed_csv_write_leaves_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = tmp_path / "out.csv"
    existing.write_text("yesterday")
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        write_table(enrich(read_table(LEADS_CSV)), LEADS_CSV, existing)
    assert existing.read_text() == "yesterday"
    assert list(tmp_path.iterdir()) == [existing]


def test_header_style_is_copied_from_a_plain_workbook_too(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["email"])
    book.active["A1"].font = Font(italic=True, color="FF0000")
    book.active["A1"].fill = PatternFill("solid", fgColor="FFFF00")
    book.active.append(["a@b.example"])
    book.save(tmp_path / "plain.xlsx")
    frame = read_table(tmp_path / "plain.xlsx").assign(email_status=["Valid"])
    write_table(frame, tmp_path / "plain.xlsx", tmp_path / "out.xlsx")
    header = openpyxl.load_workbook(tmp_path / "out.xlsx").active["B1"]
    assert header.font.italic and header.fill.fgColor.rgb == "00FFFF00"


# -- output names and sample data ----------------------------------------------------------


def test_default_output_path_never_names_an_existing_file(tmp_path: Path) -> None:
    source = tmp_path / "leads.xlsx"
    assert default_output_path(source) == tmp_path / "leads.enriched.xlsx"
    (tmp_path / "leads.enriched.xlsx").touch()
    assert default_output_path(source) == tmp_path / "leads.enriched-1.xlsx"
    (tmp_path / "leads.enriched-1.xlsx").touch()
    assert default_output_path(source) == tmp_path / "leads.enriched-2.xlsx"
    assert default_output_path("data/leads.csv", "verified") == Path("data/leads.verified.csv")


def test_the_sample_generator_is_deterministic(tmp_path: Path) -> None:
    script = SAMPLE / "make_leads.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    assert (tmp_path / "leads.csv").read_bytes() == LEADS_CSV.read_bytes()
    assert (tmp_path / "leads.xlsx").read_bytes() == LEADS_XLSX.read_bytes()


def test_the_output_keeps_the_source_file_type(tmp_path: Path) -> None:
    macro_book = tmp_path / "leads.xlsm"
    shutil.copy(SAMPLE / "leads.xlsx", macro_book)
    frame = read_table(macro_book)
    with pytest.raises(ValueError, match=r"same kind of file.*leads\.enriched\.xlsm"):
        write_table(frame.assign(x=1), macro_book, tmp_path / "out.xlsx")
