"""Where results go: checked before anything is sent, never left half-written."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from workbook_builders import rich_workbook

import sr_frames
from sr_frames.cli import main
from sr_frames.files.output import TEMP_SUFFIX, check_output

ROOT = Path(__file__).resolve().parent.parent


def error_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(lines)
    return lines[-1]


def test_a_missing_output_folder_exits_2_before_any_request(sandbox, tmp_path, capsys):
    source = rich_workbook(tmp_path / "leads.xlsx")
    assert main(["verify-emails", str(source), "-o", str(tmp_path / "missing-folder" / "out.xlsx")]) == 2
    assert "missing-folder does not exist" in error_line(capsys)
    assert sandbox.stats()["total"] == 0, "nothing reached the service"


@pytest.mark.parametrize(("output", "message"), [
    ("out.csv", r"same kind of file as leads\.xlsx \(\.xlsx\)"),
    ("leads.xlsx", "is the source file"),
    ("a-folder", "is a folder"),
])
def test_a_wrong_output_exits_2_before_any_request(sandbox, tmp_path, capsys, output, message):
    source = rich_workbook(tmp_path / "leads.xlsx")
    (tmp_path / "a-folder").mkdir()
    assert main(["verify-emails", str(source), "-o", str(tmp_path / output)]) == 2
    assert re.search(message, error_line(capsys))
    assert sandbox.stats()["total"] == 0


def test_read_list_checks_its_output_first(sandbox, tmp_path, capsys):
    assert main(["read-list", "abc", "-o", str(tmp_path / "nowhere" / "list.csv")]) == 2
    assert sandbox.stats()["total"] == 0
    assert main(["lists", "-o", str(tmp_path / "lists.txt")]) == 2
    assert "name a .xlsx or .csv output" in error_line(capsys)


def test_check_output_is_public_and_creates_nothing(tmp_path):
    source = rich_workbook(tmp_path / "leads.xlsx")
    assert check_output(tmp_path / "out.xlsx", source) == tmp_path / "out.xlsx"
    assert check_output(tmp_path / "out.xlsx", tmp_path / "leads.ods") == tmp_path / "out.xlsx"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        check_output(tmp_path / "no" / "out.xlsx", source)
    os.chmod(tmp_path, 0o500)
    try:
        if not os.access(tmp_path, os.W_OK):  # root writes anywhere
            with pytest.raises(PermissionError, match="not writable"):
                check_output(tmp_path / "out.xlsx", source)
    finally:
        os.chmod(tmp_path, 0o700)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.xlsx", "logo.png"]


def test_stale_temporary_files_of_ours_are_removed_by_the_next_run(tmp_path):
    source = rich_workbook(tmp_path / "leads.xlsx")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    stale = tmp_path / f".out.xlsx.{dead}.x1y2{TEMP_SUFFIX}"
    stale.write_bytes(b"PK half a workbook")
    someone_elses = tmp_path / ".out.xlsx.tmp"
    someone_elses.write_bytes(b"not ours")
    sr_frames.write_table(sr_frames.read_table(source).assign(x=1), source, tmp_path / "out.xlsx")
    assert not stale.exists()
    assert someone_elses.exists()


SLOW_WRITE = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import sr_frames
    import sr_frames.files.xlsx_writer as writer

    real = writer.rewrite_sheet
    def slow(source, write, edit):
        write(b"<worksheet>")
        print("writing", flush=True)
        time.sleep(60)
    writer.rewrite_sheet = slow
    source, output = Path(sys.argv[1]), Path(sys.argv[2])
    sr_frames.write_table(sr_frames.read_table(source).assign(x=1), source, output)
""")


def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path):
    source = rich_workbook(tmp_path / "leads.xlsx")
    child = subprocess.Popen([sys.executable, "-c", SLOW_WRITE, str(source), str(tmp_path / "out.xlsx")],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout.readline().strip() == "writing"  # type: ignore[union-attr]
    assert [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)], "the write is under way"
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=20) == 128 + signal.SIGTERM
    child.stdout.close()  # type: ignore[union-attr]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]
    assert not (tmp_path / "out.xlsx").exists()


def test_progress_is_shown_on_request_and_off_when_not_a_terminal(tmp_path, capsys):
    source = rich_workbook(tmp_path / "leads.xlsx")
    frame = sr_frames.read_table(source, progress="always").assign(x=1)
    assert "reading leads.xlsx" in capsys.readouterr().err
    sr_frames.write_table(frame, source, tmp_path / "out.xlsx", progress="always")
    assert "writing out.xlsx" in capsys.readouterr().err
    sr_frames.read_table(source)
    sr_frames.write_table(frame, source, tmp_path / "out2.xlsx")
    assert capsys.readouterr().err == "", "stderr is not a terminal here"
