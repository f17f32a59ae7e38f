"""CSV as Excel users have it: Windows-1252 with semicolons, ``sep=`` hints, title
lines, formula-like text; read and written by column, the source's format kept."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sr_frames
from sr_frames.cli import main

CP1252_ROWS = [
    "lead_id;name;email;note",
    "000001;Zoë Müller;zoe@quietwave.example;=1+1",
    "000002;François Bœuf;francois@brightwave.example;",
    "000003;Ana;;café",
]


def cp1252_csv(path: Path, lines: list[str] = CP1252_ROWS, newline: str = "\r\n") -> Path:
    path.write_bytes(newline.join(lines).encode("cp1252") + newline.encode())
    return path


def test_cp1252_semicolons_in_cp1252_semicolons_out(sandbox, tmp_path):
    source = cp1252_csv(tmp_path / "leads.csv")
    output = tmp_path / "out.csv"
    assert main(["verify-emails", str(source), "-o", str(output), "-q"]) == 0
    data = output.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    lines = data.decode("cp1252").split("\r\n")
    assert lines[0].startswith(CP1252_ROWS[0] + ";email_status;")
    for original, written in zip(CP1252_ROWS[1:], lines[1:4], strict=True):
        assert written.startswith(original + ";"), (original, written)
    back = sr_frames.read_table(output)
    assert back.loc[0, "note"] == "=1+1", "the user's own cell is never changed"
    assert back["email_status"].notna().sum() == 2


def test_an_accent_after_64_kib_still_decides_the_encoding(tmp_path):
    lines = ["email;name"] + [f"a{i}@x.example;plain" for i in range(4000)] + ["z@x.example;Zoë"]
    source = cp1252_csv(tmp_path / "late.csv", lines)
    assert source.stat().st_size > 1 << 16
    assert sr_frames.read_table(source)["name"].iloc[-1] == "Zoë"


def test_a_file_in_neither_encoding_names_the_option(tmp_path, monkeypatch):
    source = tmp_path / "odd.csv"
    source.write_bytes(b"email;name\na@x.example;\x81\x8d\n")
    with pytest.raises(sr_frames.WorkbookError, match=r"neither UTF-8 nor Windows-1252.*encoding=.*"
                                                      r"SALESROCKS_CSV_ENCODING"):
        sr_frames.read_table(source)
    assert sr_frames.read_table(source, encoding="latin-1")["name"].tolist() == ["\x81\x8d"]
    monkeypatch.setenv("SALESROCKS_CSV_ENCODING", "latin-1")
    assert sr_frames.read_table(source)["name"].tolist() == ["\x81\x8d"]


def test_a_result_the_source_encoding_cannot_hold_is_an_error_naming_the_option(tmp_path):
    source = cp1252_csv(tmp_path / "leads.csv")
    frame = sr_frames.read_table(source).assign(found=["Łukasz", None, None])
    with pytest.raises(sr_frames.WorkbookError, match=r"'Ł'.*cp1252.*encoding='utf-8-sig'"):
        sr_frames.write_table(frame, source, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
    sr_frames.write_table(frame, source, tmp_path / "out.csv", encoding="utf-8-sig")
    assert sr_frames.read_table(tmp_path / "out.csv")["found"].tolist() == ["Łukasz", None, None]


def test_a_sep_hint_and_title_lines_are_read_and_written_back(tmp_path):
    lines = ["sep=;", "Leads from the spring fair;;", "", "email;phone", "a@x.example;+44 20 7946 0958",
             "b@x.example;"]
    source = tmp_path / "hinted.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame = sr_frames.read_table(source)
    assert list(frame.columns) == ["email", "phone"] and len(frame) == 2
    sr_frames.write_table(frame.assign(status=["Valid", None]), source, tmp_path / "out.csv")
    written = (tmp_path / "out.csv").read_text(encoding="utf-8").split("\n")
    assert written[:3] == lines[:3]
    assert written[3:6] == ["email;phone;status", "a@x.example;+44 20 7946 0958;Valid", "b@x.example;;"]


def test_formula_like_results_are_defused_and_plain_values_left_alone(tmp_path):
    source = tmp_path / "leads.csv"
    source.write_text("email\n" + "\n".join(f"u{i}@x.example" for i in range(9)) + "\n")
    risky = ["=HYPERLINK(\"http://x\")", "-1-1", "+1-1", "@SUM(A1)", "\tx", "+1-202-555-0100",
             "+44 20 7946 0958", "-3", "plain"]
    sr_frames.write_table(sr_frames.read_table(source).assign(r=risky), source, tmp_path / "out.csv")
    back = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)["r"].tolist()
    assert back == ["'" + r for r in risky[:6]] + risky[6:]


def test_ragged_rows_and_cells_right_of_the_table(tmp_path):
    source = tmp_path / "ragged.csv"
    source.write_text("email,name\na@x.example,Ana\nb@x.example,Bo,note to self\nc@x.example\n")
    frame = sr_frames.read_table(source)
    assert frame.shape == (3, 2)
    sr_frames.write_table(frame.assign(status=["1", "2", "3"]), source, tmp_path / "out.csv")
    rows = (tmp_path / "out.csv").read_text().splitlines()
    assert rows == ["email,name,,status", "a@x.example,Ana,,1", "b@x.example,Bo,note to self,2",
                    "c@x.example,,,3"]
