"""The ``sr-frames`` command, as someone with a workbook uses it.

Most cases call ``main([...])`` in-process against the test's sandbox (fast, with the
captured stderr); the end-to-end cases run the installed command in a subprocess.
"""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest

import sr_frames
from sr_frames.cli import main

ROOT = Path(__file__).resolve().parent.parent
LEADS_XLSX = ROOT / "sample_data" / "leads.xlsx"
LEADS_CSV = ROOT / "sample_data" / "leads.csv"


def sr_frames_command():
    installed = Path(sys.executable).parent / "sr-frames"
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "sr_frames.cli"]


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(err)
    return err[-1]


def test_verify_emails_on_the_sample_workbook_keeps_everything_else(tmp_path):
    output = tmp_path / "out.xlsx"
    before = digest(LEADS_XLSX)
    done = subprocess.run([*sr_frames_command(), "verify-emails", str(LEADS_XLSX), "--sandbox",
                           "-o", str(output)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "verify_emails: 320 rows" in done.stderr
    assert digest(LEADS_XLSX) == before, "the input file is never touched"

    source = openpyxl.load_workbook(LEADS_XLSX)
    result = openpyxl.load_workbook(output)
    notes, copied = source["Notes"], result["Notes"]
    for row in notes.iter_rows():
        for cell in row:
            twin = copied[cell.coordinate]
            assert (twin.value, twin.data_type, twin.style_id == 0) == (
                cell.value, cell.data_type, cell.style_id == 0), cell.coordinate
            for style in ("font", "fill", "border", "alignment", "number_format"):
                assert repr(getattr(twin, style)) == repr(getattr(cell, style)), (cell.coordinate, style)
    assert copied.merged_cells.ranges == notes.merged_cells.ranges

    leads = result["Leads"]
    header = [c.value for c in leads[1]]
    assert header[:13] == [c.value for c in source["Leads"][1]]
    assert "email_status" in header and "email_error" in header
    full_name = header.index("full_name") + 1
    for row in range(2, leads.max_row + 1):
        cell = leads.cell(row, full_name)
        assert cell.data_type == "f" and cell.value == f'=B{row}&" "&C{row}', cell.coordinate


def test_service_text_that_looks_like_a_formula_lands_as_text(sandbox, tmp_path, capsys):
    with sr_frames.Client() as client:
        list_id = client.create_list(list_name="Imported")
        client.add_to_list(list_id=list_id, data=[
            {"name": '=HYPERLINK("http://x","y")', "email": "a@example.com", "phone": "+44 20 7946 0958"},
            {"name": "@SUM(A1)", "email": "b@example.com", "phone": "0044 20 7946 0123"},
        ])
    output = tmp_path / "list.xlsx"
    assert main(["read-list", list_id, "-o", str(output)]) == 0
    sheet = openpyxl.load_workbook(output).active
    header = [c.value for c in sheet[1]]
    name, phone = header.index("name") + 1, header.index("phone") + 1
    assert sheet.cell(2, name).value == '=HYPERLINK("http://x","y")'
    assert sheet.cell(2, name).data_type == "s"
    assert sheet.cell(3, name).data_type == "s"
    assert [sheet.cell(r, phone).value for r in (2, 3)] == ["+44 20 7946 0958", "0044 20 7946 0123"]


def test_phone_cells_keep_their_text_through_verify_phones(sandbox, tmp_path):
    output = tmp_path / "phones.xlsx"
    assert main(["verify-phones", str(LEADS_XLSX), "-o", str(output), "-q"]) in (0, 1)
    source = openpyxl.load_workbook(LEADS_XLSX)["Leads"]
    result = openpyxl.load_workbook(output)["Leads"]
    header = [c.value for c in result[1]]
    phone, international = header.index("phone") + 1, header.index("phone_international") + 1
    for row in range(2, source.max_row + 1):
        assert result.cell(row, phone).value == source.cell(row, phone).value
    texts = {result.cell(r, international).value for r in range(2, result.max_row + 1)}
    assert "+44 20 7946 0958" in texts or any(str(t).startswith("+44 20 7946") for t in texts if t)
    plus = [result.cell(r, international) for r in range(2, result.max_row + 1)
            if str(result.cell(r, international).value or "").startswith("+")]
    assert plus and all(cell.data_type == "s" for cell in plus)


def test_an_unknown_column_is_one_line_with_close_matches(sandbox, capsys):
    assert main(["verify-emails", str(LEADS_CSV), "--column", "e-mail"]) == 2
    line = error_line(capsys)
    assert line.startswith("sr-frames: error: column 'e-mail'")
    assert "'email'" in line


def test_input_errors_exit_2(tmp_path, capsys):
    assert main(["verify-emails", str(tmp_path / "nowhere.xlsx")]) == 2
    assert "nowhere.xlsx" in error_line(capsys)
    odd = tmp_path / "leads.txt"
    odd.write_text("email\na@example.com\n")
    assert main(["verify-emails", str(odd)]) == 2
    assert "sr-frames: error:" in error_line(capsys)
    with pytest.raises(SystemExit) as usage:
        main(["verify-emails", str(LEADS_CSV), "--no-such-option"])
    assert usage.value.code == 2
    assert "unrecognized arguments: --no-such-option" in error_line(capsys)


def test_missing_credentials_exit_3_and_say_what_to_set(sandbox, monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("SALESROCKS_USERNAME")
    monkeypatch.delenv("SALESROCKS_PASSWORD")
    assert main(["verify-emails", str(LEADS_CSV), "-o", str(tmp_path / "out.csv")]) == 3
    line = error_line(capsys)
    assert "SALESROCKS_USERNAME" in line and "SALESROCKS_TOKEN" in line and "--sandbox" in line
    assert sandbox.count("verify_email") == 0


def test_a_wrong_password_exits_3_before_any_row(sandbox, capsys, tmp_path):
    sandbox.configure(password="not the one in the environment")
    assert main(["verify-emails", str(LEADS_CSV), "-o", str(tmp_path / "out.csv")]) == 3
    line = error_line(capsys)
    assert line.startswith("sr-frames: error: HTTP 401")
    assert "SALESROCKS_PASSWORD" in line and "--sandbox" in line
    assert sandbox.count("verify_email") == 0


def test_failed_rows_exit_1_and_the_report_says_which(sandbox, capsys, tmp_path):
    sandbox.add_fault("status", path="verify_email", status=500)
    output = tmp_path / "out.csv"
    assert main(["verify-emails", str(LEADS_CSV), "-o", str(output)]) == 1
    err = capsys.readouterr().err
    assert "failed (server_error:" in err
    assert "email_error" in err
    assert output.exists(), "what was answered is still written"


def test_overwrite_writes_the_fresh_results(sandbox, tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert main(["verify-emails", str(LEADS_CSV), "-o", str(first), "-q"]) == 0
    sandbox.add_fault("status", path="verify_email", status=500)
    assert main(["verify-emails", str(first), "--refresh", "--overwrite", "-o", str(second), "-q"]) == 1
    before, again = sr_frames.read_table(first), sr_frames.read_table(second)
    assert list(again.columns) == list(before.columns), "replaced in place, nothing appended"
    asked = before["email_format"] == "Correct"  # answered by the service the first time
    assert again.loc[asked, "email_error"].str.startswith("server_error").all()
    assert again.loc[asked, "email_status"].isna().all(), "no stale status left behind"


def test_an_unwritable_output_is_one_line(sandbox, capsys, tmp_path):
    assert main(["verify-emails", str(LEADS_CSV), "-q", "-o", str(tmp_path / "no" / "out.csv")]) == 2
    assert "does not exist" in error_line(capsys)
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["verify-emails", str(LEADS_CSV), "-q", "-o", str(blocker / "out.csv")]) == 2
    assert error_line(capsys).startswith("sr-frames: error:")


def test_a_busy_port_is_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["sandbox", "--port", str(taken.getsockname()[1])]) == 2
    assert "pick another port with --port" in error_line(capsys)


def test_push_dry_run_sends_nothing(sandbox, capsys):
    with sr_frames.Client() as client:
        list_id = client.create_list(list_name="Dry run")
    assert main(["push", str(LEADS_CSV), "--list-id", list_id, "--dry-run"]) == 0
    assert sandbox.count("add_to_list") == 0
    assert "320" in capsys.readouterr().out


def test_dry_run_and_offline_send_nothing(sandbox, capsys, tmp_path):
    assert main(["verify-emails", str(LEADS_CSV), "--dry-run"]) == 0
    assert "requests to send" in capsys.readouterr().out
    assert sandbox.count("verify_email") == 0
    assert main(["verify-emails", str(LEADS_CSV), "--offline", "-o", str(tmp_path / "o.csv")]) == 0
    assert sandbox.count("verify_email") == 0


def test_cache_info_and_clear(sandbox, capsys, tmp_path):
    assert main(["verify-emails", str(LEADS_CSV), "-q", "-o", str(tmp_path / "o.csv")]) == 0
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    assert "verify_email" in capsys.readouterr().out
    assert main(["cache", "clear", "--endpoint", "verify_email"]) == 0
    assert "removed" in capsys.readouterr().out
    assert sr_frames.cache_info().entries == 0


def test_push_then_read_the_list_back(sandbox, tmp_path, capsys):
    with sr_frames.Client() as client:
        list_id = client.create_list(list_name="From the terminal")
    pushed = tmp_path / "pushed.csv"
    assert main(["push", str(LEADS_CSV), "--list-id", list_id, "-o", str(pushed), "-q"]) == 0
    assert main(["read-list", list_id, "-o", str(tmp_path / "back.csv")]) == 0
    back = sr_frames.read_table(tmp_path / "back.csv")
    assert len(back) == 320
    assert main(["lists"]) == 0
    assert "From the terminal" in capsys.readouterr().out


def test_campaign_stats_prints_one_row_per_campaign(sandbox, capsys):
    assert main(["campaign-stats", "1", "10"]) == 1, "campaign 10 does not exist"
    out = capsys.readouterr().out
    assert "campaign_name" in out


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        main(["verify-emails", "--help"])
    assert "sr-frames verify-emails leads.xlsx --sandbox" in capsys.readouterr().out


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_sandbox_command_serves_the_readme_example():
    port = free_port()
    server = subprocess.Popen([*sr_frames_command(), "sandbox", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, server.stderr.read() if server.poll() else "no answer"
                time.sleep(0.1)
        if shutil.which("curl"):  # the README's curl lines, as written there
            readme = (ROOT / "README.md").read_text()
            block = readme.split("```sh\nsr-frames sandbox --port 8765 &\n", 1)[1].split("```", 1)[0]
            done = subprocess.run(["bash", "-c", block.replace("8765", str(port))],
                                  capture_output=True, text=True, timeout=30)
            assert json.loads(done.stdout)["email"] == "randomstring@sales.rocks", done.stderr
        login = urllib.request.Request(f"{url}/auth/accessToken", method="POST",
                                       data=b'{"username": "demo", "password": "demo"}',
                                       headers={"Content-Type": "application/json"})
        token = json.load(urllib.request.urlopen(login))["access_token"]
        verify = urllib.request.Request(f"{url}/toolkit/emailVerifier", method="POST",
                                        data=b'{"email": "randomstring@sales.rocks"}',
                                        headers={"Content-Type": "application/json",
                                                 "Authorization": f"Bearer {token}"})
        assert json.load(urllib.request.urlopen(verify))["status"] in ("Valid", "Invalid", "Accept All")
    finally:
        server.terminate()
        server.communicate(timeout=10)


def test_the_sandbox_refuses_to_listen_beyond_this_machine():
    from sr_frames.sandbox import start_sandbox

    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        start_sandbox(host="0.0.0.0")
    assert os.environ.get("SALESROCKS_BASE_URL", "").startswith("http://127.0.0.1")
