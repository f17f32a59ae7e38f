"""The ``sr-frames`` command, as someone with a workbook uses it.

Most cases call ``main([...])`` in-process against the test's sandbox (fast, with the
captured stderr); the end-to-end cases run the installed command in a subprocess.
"""

import hashlib
import inspect
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


def subcommands():
    from sr_frames.cli.parser import build_parser

    parser = build_parser()
    [subs] = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return parser, subs.choices


def test_help_is_plain_text_with_help_for_every_option_and_one_example_each(capsys):
    parser, commands = subcommands()
    top = parser.format_help()
    assert top.count("examples:") == 1 and "sr-frames clean leads.xlsx --sandbox" in top
    assert "exit codes: 0 done, 1 done but some rows failed" in top
    for name, sub in commands.items():
        text = sub.format_help()
        assert "``" not in text and ":func:" not in text, name
        assert "examples:" not in text, name
        examples = [line.strip() for line in text.split("example:\n", 1)[1].splitlines() if line.strip()]
        assert len(examples) == 1 and examples[0].startswith(f"sr-frames {name} "), name
        for action in sub._actions:
            assert action.help, (name, action.dest)
    with pytest.raises(SystemExit):
        main(["verify-emails", "--help"])
    assert "sr-frames verify-emails leads.xlsx --column email --sandbox" in capsys.readouterr().out


def test_help_loads_no_pandas_and_reads_the_verbs_as_the_accessor_defines_them():
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print(sorted(m for m in ('pandas', 'numpy', 'aiohttp') "
            "if m in sys.modules), file=sys.stderr))\n"
            "from sr_frames.cli import main\n"
            "main(['--help'])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and "verify-emails" in done.stdout
    assert done.stderr.strip() == "[]", "sr-frames --help loaded " + done.stderr

    from sr_frames.accessor import VERBS, SalesRocksFrameAccessor
    from sr_frames.cli import signatures

    assert signatures.verb_names() == VERBS
    for name in (*VERBS, "clean"):
        method = getattr(SalesRocksFrameAccessor, name)
        imported = [p for p in inspect.signature(method).parameters.values()
                    if p.name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD]
        assert list(signatures.verb(name).parameters) == imported, name
        assert signatures.verb(name).doc == inspect.getdoc(method), name


def test_without_the_accessors_source_the_verbs_are_read_from_the_imported_class(monkeypatch):
    from sr_frames.cli import signatures

    read = {name: signatures.verb(name) for name in (*signatures.verb_names(), "clean")}
    monkeypatch.setattr(signatures, "_tree", lambda: None)  # as in an install without .py files
    assert {name: signatures.verb(name) for name in (*signatures.verb_names(), "clean")} == read


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
            done = subprocess.run(["bash", "-c", "set -e\n" + block.replace("8765", str(port))],
                                  capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, done.stderr
            answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
            assert answers[0]["email"] == "randomstring@sales.rocks", done.stderr
            added, listed = answers[1:]
            assert added["status"] == "success" and len(added["ids"]) == 2
            assert [c["email"] for c in listed["data"]] == ["johndoe@example.com", "janedoe@example.com"]
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


# -- the clean-up from the terminal ---------------------------------------------------------


def test_clean_on_the_sample_in_one_command_then_free(tmp_path):
    output = tmp_path / "out.xlsx"
    env = {**os.environ, "SALESROCKS_CACHE_DIR": str(tmp_path / "cache")}
    command = [*sr_frames_command(), "clean", str(LEADS_XLSX), "--sandbox", "-o", str(output)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert first.returncode == 0, first.stderr
    counts = first.stdout.strip().splitlines()[-1]
    assert counts.startswith("320 rows: ") and " keep, " in counts and counts.endswith(" drop")

    book = openpyxl.load_workbook(output)
    assert book.sheetnames == ["Leads", "Notes", "Summary"]
    assert len(book["Summary"]._charts) == 1
    result = sr_frames.read_table(output)
    assert result["verdict"].isin(["keep", "review", "drop"]).all()
    source = openpyxl.load_workbook(LEADS_XLSX)
    for row in source["Notes"].iter_rows():
        for cell in row:
            assert book["Notes"][cell.coordinate].value == cell.value
    assert [c.value for c in book["Leads"][1]][:13] == [c.value for c in source["Leads"][1]]

    second = subprocess.run([*command[:-1], str(tmp_path / "again.xlsx")], capture_output=True,
                            text=True, timeout=300, env=env)
    assert second.returncode == 0, second.stderr
    assert "clean: 320 rows, 0 requests" in second.stderr
    assert second.stdout.strip().splitlines()[-1] == counts


def test_clean_writes_beside_the_input_and_splits(sandbox, tmp_path, capsys):
    source = tmp_path / "leads.xlsx"
    shutil.copy(LEADS_XLSX, source)
    assert main(["clean", str(source), "--split", "-q"]) == 0
    out = capsys.readouterr().out.strip().splitlines()[-1]
    output = tmp_path / "leads.cleaned.xlsx"
    book = openpyxl.load_workbook(output)
    assert book.sheetnames == ["Leads", "Notes", "Summary", "keep", "review", "drop"]
    counts = {name: book[name].max_row - 1 for name in ("keep", "review", "drop")}
    assert out == f"320 rows: {counts['keep']} keep, {counts['review']} review, {counts['drop']} drop"
    assert sum(counts.values()) == 320


def test_clean_a_csv_writes_the_splits_and_summary_as_files(sandbox, tmp_path, capsys):
    output = tmp_path / "clean.csv"
    assert main(["clean", str(LEADS_CSV), "-o", str(output), "--split", "-q"]) == 0
    names = sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".csv")
    assert names == ["clean.csv", "clean.drop.csv", "clean.keep.csv", "clean.review.csv",
                     "clean.summary.csv"]
    assert set(sr_frames.read_table(tmp_path / "clean.keep.csv")["verdict"]) == {"keep"}


def test_clean_dry_run_says_what_each_step_would_send(sandbox, capsys):
    assert main(["clean", str(LEADS_CSV), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "verify: 271 requests (exact" in out and "find: at most" in out
    assert sandbox.stats()["total"] == 0


def test_the_list_workflow_with_the_sandbox_across_commands(tmp_path, capsys):
    cleaned = tmp_path / "clean.xlsx"
    assert main(["clean", str(LEADS_XLSX), "--sandbox", "-o", str(cleaned), "-q"]) == 0
    keep = sr_frames.read_table(cleaned).query("verdict == 'keep'")
    capsys.readouterr()

    assert main(["create-list", "Kept leads", "--sandbox"]) == 0
    list_id = capsys.readouterr().out.strip()
    assert len(list_id) == 12 and list_id.isalnum()
    assert main(["lists", "--sandbox"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[0] == "uuid" and lines[1].split()[0] == list_id

    push = ["push", str(cleaned), "--list-id", list_id, "--where", "verdict=keep", "--dedupe",
            "--sandbox", "-q", "-o", str(tmp_path / "pushed.xlsx")]
    assert main(push) == 0
    assert capsys.readouterr().out.startswith(f"{len(keep)} rows added")
    assert main(["read-list", list_id, "-o", str(tmp_path / "back.csv"), "--sandbox"]) == 0
    back = sr_frames.read_table(tmp_path / "back.csv")
    assert sorted(back["email"]) == sorted(keep["best_email"]), "each kept person exactly once"

    push[-1] = str(tmp_path / "pushed-again.xlsx")
    assert main(push) == 0
    assert capsys.readouterr().out.startswith("0 rows added")
    assert main(["read-list", list_id, "-o", str(tmp_path / "back2.csv"), "--sandbox"]) == 0
    assert len(sr_frames.read_table(tmp_path / "back2.csv")) == len(keep), "pushing again adds nothing"


def test_pushing_a_file_twice_with_the_sandbox_sends_nothing_the_second_time(tmp_path, capsys):
    few = tmp_path / "few.csv"
    sr_frames.read_table(LEADS_CSV).dropna(subset=["email"]).head(5).to_csv(few, index=False)
    assert main(["create-list", "Leads", "--sandbox"]) == 0
    list_id = capsys.readouterr().out.strip()
    push = ["push", str(few), "--list-id", list_id, "--sandbox", "-q", "-o", str(tmp_path / "out.csv")]
    assert main(push) == 0
    assert capsys.readouterr().out.startswith("5 rows added")
    # each --sandbox command starts the emulator on a new port: the ledger still knows the list
    assert main(push) == 0
    assert capsys.readouterr().out.startswith("0 rows added")
    assert main(["read-list", list_id, "-o", str(tmp_path / "back.csv"), "--sandbox"]) == 0
    assert len(sr_frames.read_table(tmp_path / "back.csv")) == 5, "no contact twice"


def test_push_where_and_dedupe_once_per_person(sandbox, tmp_path, capsys):
    frame = sr_frames.read_table(LEADS_CSV).head(6)
    frame["email"] = ["A@x.com", "a@x.com ", "b@x.com", "c@x.com", "b@X.COM", "d@x.com"]
    frame["tier"] = ["gold", "gold", "gold", "silver", "gold", "bronze"]
    path = tmp_path / "few.csv"
    frame.to_csv(path, index=False)
    with sr_frames.Client() as client:
        list_id = client.create_list(list_name="Few", permission="private")
    assert main(["push", str(path), "--list-id", list_id, "--where", "tier=gold,silver",
                 "--dedupe", "-q", "-o", str(tmp_path / "out.csv")]) == 0
    out = sr_frames.read_table(tmp_path / "out.csv")
    assert sorted(sr_frames.read_list(list_id)["email"].str.lower()) == ["a@x.com", "b@x.com", "c@x.com"]
    assert out["sr_push_error"].tolist()[1] == "not pushed: duplicate of row 0 (--dedupe)"
    assert out["sr_push_error"].tolist()[5] == "not pushed: --where tier=gold,silver"


def test_find_email_only_missing_from_the_terminal(sandbox, tmp_path):
    assert main(["find-email", str(LEADS_CSV), "--only-missing", "email", "-q",
                 "-o", str(tmp_path / "f.csv")]) == 0
    leads = sr_frames.read_table(LEADS_CSV)
    assert 0 < sandbox.count("find_email") <= leads["email"].isna().sum()


# -- errors: one line, in options, with the README's exit codes ----------------------------------


def _source_copy(tmp_path):
    source = tmp_path / "leads.csv"
    shutil.copy(LEADS_CSV, source)
    return source


ERROR_CASES = {
    "unknown column": (["verify-emails", "{csv}", "--column", "e-mail"], 2, ["--column"]),
    "unknown clean column": (["clean", "{csv}", "--country", "land"], 2, ["--country"]),
    "result columns there already": (["verify-emails", "{checked}", "-o", "{out}"], 2,
                                     ["--overwrite", "--prefix"]),
    "output is the input": (["verify-emails", "{copy}", "-o", "{copy}"], 2, ["--in-place"]),
    "in place and an output": (["verify-emails", "{copy}", "--in-place", "-o", "{out}"], 2,
                               ["--in-place", "-o"]),
    "a negative budget": (["clean", "{csv}", "--max-requests", "-1"], 2, ["--max-requests"]),
    "an unknown step": (["clean", "{csv}", "--steps", "verify,magic"], 2, ["--steps"]),
    "a threshold out of range": (["clean", "{csv}", "--min-confidence", "200"], 2, ["--min-confidence"]),
    "a where without a value": (["push", "{csv}", "--list-id", "{list}", "--where", "verdict"], 2,
                                ["--where"]),
    "a where on a missing column": (["push", "{csv}", "--list-id", "{list}", "--where", "verdict=keep"],
                                    2, ["--where"]),
    "an unknown list": (["push", "{csv}", "--list-id", "nosuchlist00", "-o", "{out}"], 2, ["--list-id"]),
    "an unknown list to read": (["read-list", "nosuchlist00", "-o", "{out}"], 2, ["--list-id"]),
    "an unknown command": (["nothing"], 2, ["sr-frames --help"]),
    "a missing input": (["clean"], 2, ["sr-frames clean --help"]),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_an_error_is_one_line_naming_options(case, sandbox, tmp_path, capsys):
    argv, code, words = ERROR_CASES[case]
    checked = tmp_path / "checked.csv"
    if "{checked}" in argv:
        assert main(["verify-emails", str(LEADS_CSV), "-q", "-o", str(checked)]) == 0
    with sr_frames.Client() as client:
        list_id = client.create_list(list_name="Errors", permission="private")
    sent = sandbox.stats()["total"]
    values = {"csv": str(LEADS_CSV), "copy": str(_source_copy(tmp_path)), "out": str(tmp_path / "o.csv"),
              "checked": str(checked), "list": list_id}
    argv = [a.format(**values) for a in argv]
    capsys.readouterr()
    try:
        assert main(argv) == code
    except SystemExit as usage:
        assert usage.code == code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err  # no bar, no report, one line
    line = err.strip()
    assert line.startswith("sr-frames: error: ")
    for word in words:
        assert word in line, (word, line)
    assert not any(python in line for python in ("=True", "column='", "prefix=", "in_place",
                                                  "sr-frames sr-frames", "sr_frames.configure"))
    assert sandbox.stats()["total"] - sent <= 2, "at most the login and the list check"


def test_without_credentials_nothing_is_shown_before_the_one_line(sandbox, monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("SALESROCKS_USERNAME")
    monkeypatch.delenv("SALESROCKS_PASSWORD")
    for command in (["clean", str(LEADS_CSV)], ["verify-phones", str(LEADS_CSV)],
                    ["push", str(LEADS_CSV), "--list-id", "abc"], ["lists"]):
        assert main([*command, "-o", str(tmp_path / "o.csv")] if command[0] != "lists" else command) == 3
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err.count("SALESROCKS_USERNAME") == 1 and "--sandbox" in err and "; set" not in err
    assert sandbox.stats()["total"] == 0


def test_an_unreachable_service_is_exit_4_not_1(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("SALESROCKS_BASE_URL", f"http://127.0.0.1:{free_port()}")
    for command in (["verify-emails", str(LEADS_CSV), "-o", str(tmp_path / "o.csv")],
                    ["clean", str(LEADS_CSV), "-o", str(tmp_path / "c.csv")],
                    ["push", str(LEADS_CSV), "--list-id", "abc", "-o", str(tmp_path / "p.csv")]):
        assert main(command) == 4
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "could not be used" in err and "nothing was done" in err
    assert not (tmp_path / "o.csv").exists()
