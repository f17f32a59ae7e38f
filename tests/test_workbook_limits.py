"""Hostile files are refused within seconds, before anything is inflated or allocated.

Each file is built here: a billion-laughs entity bomb in each XML part we parse, a zip
bomb (a sheet that inflates a thousandfold), and a small sheet with one cell in column
XFD on each of 20,000 rows. From Python they raise ``WorkbookError`` naming the limit
and the setting that raises it; from the terminal they are one line and exit 2, within
10 s and 300 MB.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from workbook_builders import rich_workbook

import sr_frames
from sr_frames.files.limits import WorkbookLimits

LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>\n")


def replaced(source: Path, target: Path, part: str, data: bytes | None = None,
             stream: object = None) -> Path:
    """A copy of ``source`` with ``part`` replaced by ``data`` (or written by ``stream``)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != part:
                out.writestr(info, src.read(info))
            elif data is not None:
                out.writestr(info, data)
            else:
                info = zipfile.ZipInfo(part)
                info.compress_type = zipfile.ZIP_DEFLATED
                with out.open(info, "w", force_zip64=True) as sink:
                    stream(sink)  # type: ignore[operator]
    return target


def laughing(source: Path, target: Path, part: str) -> Path:
    with zipfile.ZipFile(source) as src:
        original = src.read(part)
    body = original.split(b"?>", 1)[1] if original.startswith(b"<?xml") else original
    body = body.replace(b"<t>", b"<t>&lol9;", 1).replace(b'name="Leads"', b'name="&lol9;"', 1)
    return replaced(source, target, part, LAUGHS + body.lstrip())


def zip_bomb(source: Path, target: Path) -> Path:
    def inflating(sink) -> None:
        sink.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                   b'spreadsheetml/2006/main"><sheetData>')
        block = b" " * (1 << 20)
        for _ in range(200):  # 200 MiB of nothing, 200 KB compressed
            sink.write(block)
        sink.write(b"</sheetData></worksheet>")

    return replaced(source, target, "xl/worksheets/sheet1.xml", stream=inflating)


def far_right(source: Path, target: Path) -> Path:
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (i, i) for i in range(1, 20_001))
    sheet = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             b'2006/main"><sheetData>' + rows + b"</sheetData></worksheet>")
    return replaced(source, target, "xl/worksheets/sheet1.xml", sheet)


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    return rich_workbook(tmp_path / "leads.xlsx")


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
                                  "xl/styles.xml", "xl/_rels/workbook.xml.rels"])
def test_entity_declarations_are_refused_in_every_part_we_read(plain, tmp_path, part):
    bomb = laughing(plain, tmp_path / "laughs.xlsx", part)
    with pytest.raises(sr_frames.WorkbookError, match="DTD") as refused:
        sr_frames.read_table(bomb)
    assert refused.value.limit == "dtd"


def test_a_zip_bomb_is_refused_from_the_zip_directory(plain, tmp_path):
    bomb = zip_bomb(plain, tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 5 << 20
    with pytest.raises(sr_frames.WorkbookError, match=r"compression ratio.*max_ratio.*"
                                                      r"SALESROCKS_WORKBOOK_MAX_RATIO") as refused:
        sr_frames.read_table(bomb)
    assert refused.value.limit == "max_ratio"


def test_one_cell_in_column_xfd_per_row_is_refused_before_allocation(plain, tmp_path):
    wide = far_right(plain, tmp_path / "wide.xlsx")
    with pytest.raises(sr_frames.WorkbookError, match=r"20,000 rows x 16,384 columns.*max_cells"):
        sr_frames.read_table(wide)


def test_a_limit_can_be_raised_by_setting_or_environment(plain, monkeypatch):
    with pytest.raises(sr_frames.WorkbookError, match=r"its rows is 12, over the limit of 3 \(max_rows\)"):
        sr_frames.read_table(plain, limits=WorkbookLimits(max_rows=3))
    monkeypatch.setenv("SALESROCKS_WORKBOOK_MAX_ROWS", "3")
    with pytest.raises(sr_frames.WorkbookError, match="max_rows"):
        sr_frames.read_table(plain)
    monkeypatch.setenv("SALESROCKS_WORKBOOK_MAX_ROWS", "12")  # the link in M12 is the last row
    assert len(sr_frames.read_table(plain)) == 6
    with pytest.raises(sr_frames.WorkbookError, match="max_part_bytes"):
        sr_frames.read_table(plain, limits=WorkbookLimits(max_part_bytes=1000))


_MEASURED = """
import os, subprocess, sys
child = subprocess.Popen([sys.executable, "-m", "sr_frames.cli", *sys.argv[2:]])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_cli(*args: str) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """The command in a child process: its result, seconds and peak memory (MB).

    The command is started by a small Python process of its own, which reports the
    command's peak: a process started straight from this (large) test process would
    count this process's memory as its own peak on Linux."""
    with tempfile.TemporaryDirectory() as folder:
        peak = Path(folder) / "maxrss"
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", _MEASURED, str(peak), *args],
                              capture_output=True, text=True)
        seconds = time.monotonic() - started
        return done, seconds, int(peak.read_text()) / 1024


@pytest.mark.parametrize("build", ["laughs", "bomb", "xfd"])
def test_the_command_refuses_each_in_one_line_quickly_and_small(plain, tmp_path, build):
    hostile = {"laughs": lambda: laughing(plain, tmp_path / "h.xlsx", "xl/sharedStrings.xml"),
               "bomb": lambda: zip_bomb(plain, tmp_path / "h.xlsx"),
               "xfd": lambda: far_right(plain, tmp_path / "h.xlsx")}[build]()
    done, seconds, megabytes = run_cli("verify-emails", str(hostile), "-o", str(tmp_path / "out.xlsx"))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sr-frames: error: h.xlsx"), lines
    assert seconds < 10, seconds
    assert megabytes < 300, megabytes
    assert not (tmp_path / "out.xlsx").exists()


def test_a_damaged_part_is_one_error_not_a_traceback(plain, tmp_path, capsys):
    with zipfile.ZipFile(plain) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data = bytearray(plain.read_bytes())
    data[start + 40: start + 200] = bytes(160)  # zeros inside the sheet's compressed stream
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(bytes(data))
    with pytest.raises(sr_frames.WorkbookError, match=r"damaged\.xlsx is damaged"):
        sr_frames.read_table(damaged)
    from sr_frames.cli import main

    assert main(["verify-emails", str(damaged), "-o", str(tmp_path / "out.xlsx")]) == 2
    assert capsys.readouterr().err.strip().startswith("sr-frames: error: damaged.xlsx is damaged")
