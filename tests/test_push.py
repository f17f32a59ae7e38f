"""push_to_list against the sandbox: every row once, whatever is lost on the way."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import closing

import numpy as np
import pandas as pd
import pytest

from sr_frames import Client, config, defaults
from sr_frames.enrich.report import last_report
from sr_frames.lists import push
from sr_frames.lists.contacts import create_list, read_list
from sr_frames.lists.ledger import LEDGER_DIRECTORY, Ledger, fingerprint
from sr_frames.lists.push import push_estimate, push_to_list, reconcile


def leads(n: int = 250, start: int = 0) -> pd.DataFrame:
    """A lead list as an analyst would have it: a gap here and there, numpy types."""
    rows = range(start, start + n)
    return pd.DataFrame(
        {
            "first_name": [f"Ada{i}" for i in rows],
            "email": [f"ada{i}@example.com" for i in rows],
            "company": [None if i % 7 == 0 else f"Company {i % 13}" for i in rows],
            "employees": [np.nan if i % 5 == 0 else float(10 * i) for i in rows],
        },
        index=pd.Index([f"lead-{i}" for i in rows], name="lead"),
    )


def list_emails(list_id: str) -> list[str]:
    return read_list(list_id)["email"].tolist()


# --- every row once -------------------------------------------------------------------

def test_push_250_rows_then_the_same_frame_again_sends_nothing(sandbox):
    frame = leads(250)
    list_id = create_list("Q3 leads")

    pushed = push_to_list(frame, list_id, progress=False)

    assert pushed["sr_contact_id"].notna().all()
    assert pushed["sr_push_error"].isna().all()
    assert sandbox.count("add_to_list") == 3  # chunks of 100
    assert len(read_list(list_id)) == 250

    again = push_to_list(frame, list_id, progress=False)

    assert sandbox.count("add_to_list") == 3  # not one more Add to List request
    assert len(read_list(list_id)) == 250
    assert again["sr_contact_id"].tolist() == pushed["sr_contact_id"].tolist()


@pytest.mark.parametrize("fault", [{"times": 2}, {"rate": 0.5}])
def test_lost_answers_then_a_second_run_completes_without_duplicates(sandbox, fault):
    # the sandbox adds the contacts, then closes the connection without answering
    config.configure(timeout=2)  # the wait for unanswered requests to land, before reading back
    sandbox.add_fault("lost_answer", path="add_to_list", **fault)
    frame = leads(250)
    list_id = create_list("lossy")

    first = push_to_list(frame, list_id, progress=False, chunk_size=25)
    lost = first["sr_push_error"].notna()
    assert lost.any()
    assert first.loc[lost, "sr_push_error"].str.startswith("uncertain").all()
    assert first.loc[lost, "sr_contact_id"].isna().all()

    second = push_to_list(frame, list_id, progress=False, chunk_size=25)

    contacts = read_list(list_id)
    assert len(contacts) == 250
    assert not contacts["email"].duplicated().any()
    assert sorted(contacts["email"]) == sorted(frame["email"])
    assert second["sr_contact_id"].notna().all()
    assert second["sr_push_error"].isna().all()
    assert set(second["sr_contact_id"]) == set(contacts["_id"])


@pytest.mark.parametrize("kind", ["drop", "status"])
def test_chunks_that_never_landed_are_sent_by_the_second_run(sandbox, kind):
    # a dropped connection or a 500 may have been applied: uncertain, never resent blindly
    config.configure(timeout=2)  # the wait for unanswered requests to land, before reading back
    sandbox.add_fault(kind, path="add_to_list", times=1)
    frame = leads(250)
    list_id = create_list("flaky")

    first = push_to_list(frame, list_id, progress=False)
    assert first["sr_push_error"].notna().sum() == 100
    assert sandbox.count("add_to_list") == 3  # the client did not resend it either

    second = push_to_list(frame, list_id, progress=False)

    assert sandbox.count("get_list_data") >= 1  # read back before sending
    assert sandbox.count("add_to_list") == 4  # only the missing chunk went again
    assert second["sr_contact_id"].notna().all()
    assert sorted(list_emails(list_id)) == sorted(frame["email"])


@pytest.mark.parametrize(("fault", "adds"), [
    ("hang", 2),  # never applied: the next push sends the chunk again
    ("latency", 1),  # applied 0.6 s after it was sent: found, even by a push made at once
])
def test_a_timed_out_chunk_is_settled_by_the_next_push_whether_it_landed_or_not(sandbox, fault, adds):
    sandbox.add_fault(fault, path="add_to_list", delay_s=0.6, times=1)
    frame = leads(20)
    list_id = create_list("slow")
    with Client(timeout=0.4) as client:
        first = push_to_list(frame, list_id, client=client, progress=False)
    assert first["sr_push_error"].str.startswith("uncertain (timeout)").all()

    second = push_to_list(frame, list_id, progress=False)  # at once

    assert sandbox.count("add_to_list") == adds
    assert second["sr_contact_id"].notna().all()
    assert sorted(list_emails(list_id)) == sorted(frame["email"])


@pytest.mark.parametrize(("status", "may_still_land"), [(500, False), (504, True)])
def test_a_gateway_error_is_given_time_to_land_a_service_error_is_not(sandbox, status, may_still_land):
    # a 504 comes from a proxy in front of the service, which may still be adding the rows
    sandbox.add_fault("status", path="add_to_list", status=status, times=1)
    list_id = create_list("gateway")
    with Client(timeout=5) as client:
        push_to_list(leads(10), list_id, client=client, progress=False)
        with Ledger(list_id, base_url=client.base_url, account=client.account) as ledger:
            assert ledger.uncertain()
            assert (ledger.lands_by() > time.time() + 4) is may_still_land


def test_reconcile_reads_the_list_back_without_adding_anything(sandbox):
    config.configure(timeout=2)  # the wait for unanswered requests to land, before reading back
    sandbox.add_fault("lost_answer", path="add_to_list", times=1)
    frame = leads(150)
    list_id = create_list("to settle")
    push_to_list(frame, list_id, progress=False)
    adds = sandbox.count("add_to_list")

    settled = reconcile(list_id)

    assert settled == {"uncertain": 100, "found": 100, "missing": 0}
    assert sandbox.count("add_to_list") == adds
    assert reconcile(list_id) == {"uncertain": 0, "found": 0, "missing": 0}
    done = push_to_list(frame, list_id, progress=False)
    assert done["sr_contact_id"].notna().all()
    assert sandbox.count("add_to_list") == adds


# --- Ctrl-C ----------------------------------------------------------------------------

def test_ctrl_c_while_answers_are_recorded_leaves_no_row_unaccounted(sandbox, monkeypatch):
    config.configure(timeout=2)  # the wait for unanswered requests to land, before reading back
    sandbox.configure(latency_ms=200)
    frame = leads(50)
    list_id = create_list("interrupted")
    record, calls = push._Push.record, []

    def interrupted_record(self, rows, answer=None, error=None):
        calls.append(rows)
        if len(calls) > 1:
            raise KeyboardInterrupt  # lands while finished chunks wait to be recorded
        time.sleep(0.5)  # meanwhile every other chunk is answered
        record(self, rows, answer, error)

    monkeypatch.setattr(push._Push, "record", interrupted_record)
    with pytest.raises(KeyboardInterrupt):
        push_to_list(frame, list_id, chunk_size=10, progress=False)
    monkeypatch.setattr(push._Push, "record", record)
    sandbox.configure(latency_ms=0)
    assert sandbox.count("add_to_list") == 5
    assert last_report().interrupted and last_report().answered == 10

    second = push_to_list(frame, list_id, chunk_size=10, progress=False)

    assert sandbox.count("add_to_list") == 5  # the landed chunks were adopted, not resent
    assert second["sr_contact_id"].notna().all()
    assert sorted(list_emails(list_id)) == sorted(frame["email"])


_PUSH_SCRIPT = """
import sys
import pandas as pd
import sr_frames
from sr_frames.lists.push import push_to_list

sr_frames.configure(timeout=2)

frame = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(int(sys.argv[2]))]})
push_to_list(frame, sys.argv[1], chunk_size=5, progress=False)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_sigint_in_the_middle_of_a_push_then_a_second_push_completes_it(sandbox, tmp_path):
    sandbox.configure(latency_ms=300)
    rows = 400
    list_id = create_list("sigint")
    script = tmp_path / "push.py"
    script.write_text(_PUSH_SCRIPT)
    child = subprocess.Popen([sys.executable, str(script), list_id, str(rows)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while sandbox.count("add_to_list") < 40 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode != 0 and "KeyboardInterrupt" in err, err
    assert "interrupted" in err  # the report says so, even with progress off
    assert 0 < sandbox.count("add_to_list") < rows / 5
    # pushed again at once: the adds still in flight land while it waits to read back

    frame = pd.DataFrame({"email": [f"p{i}@example.com" for i in range(rows)]})
    second = push_to_list(frame, list_id, chunk_size=5, progress=False)

    contacts = read_list(list_id)
    assert len(contacts) == rows
    assert not contacts["email"].duplicated().any()
    assert second["sr_contact_id"].notna().all()


# --- a budget and an estimate ----------------------------------------------------------

def test_max_requests_sends_no_more_and_the_next_push_continues(sandbox):
    frame = leads(250)
    list_id = create_list("budget")

    first = push_to_list(frame, list_id, max_requests=2, progress=False)

    assert sandbox.count("add_to_list") == 2
    held = first["sr_push_error"].notna()
    assert held.tolist() == [False] * 200 + [True] * 50  # in frame order
    assert (first.loc[held, "sr_push_error"]
            == "not sent: max_requests=2 reached; run again to continue").all()
    assert first.attrs["salesrocks"].unanswered == 50
    assert first.attrs["salesrocks"].failed == {}

    second = push_to_list(frame, list_id, max_requests=2, progress=False)

    assert sandbox.count("add_to_list") == 3
    assert second["sr_contact_id"].notna().all() and second["sr_push_error"].isna().all()
    assert len(read_list(list_id)) == 250


def test_max_requests_zero_sends_nothing(sandbox):
    list_id = create_list("nothing")

    pushed = push_to_list(leads(10), list_id, max_requests=0, progress=False)

    assert pushed["sr_push_error"].str.startswith("not sent: max_requests=0").all()
    assert sandbox.count("add_to_list") == 0 and sandbox.count("get_list_data") == 0
    with pytest.raises(ValueError, match="max_requests"):
        push_to_list(leads(10), list_id, max_requests=-1, progress=False)


def test_the_estimate_reads_the_ledger_and_sends_nothing(sandbox):
    config.configure(timeout=2)  # the wait for unanswered requests to land, before reading back
    frame = leads(250)
    frame.loc[frame.index[0], ["first_name", "email", "company", "employees"]] = None
    list_id = create_list("estimate")
    ledger = config.settings().resolved_cache_dir / LEDGER_DIRECTORY

    def estimate(**options):
        seen = sandbox.stats()["total"]
        answer = push_estimate(frame, list_id, **options)
        assert sandbox.stats()["total"] == seen  # not even a login
        return answer

    assert estimate() == {"rows": 250, "skipped": 1, "already_pushed": 0, "to_send": 249,
                          "uncertain": 0, "held": 0, "requests": 3}
    assert not ledger.exists()  # an estimate writes nothing
    push_to_list(frame.iloc[:121], list_id, progress=False)
    sandbox.add_fault("lost_answer", path="add_to_list", times=1)
    push_to_list(frame.iloc[:171], list_id, progress=False)  # rows 121-170: answer lost

    assert estimate() == {"rows": 250, "skipped": 1, "already_pushed": 120, "to_send": 129,
                          "uncertain": 50, "held": 0, "requests": 2}
    assert estimate(max_requests=1)["held"] == 29
    assert estimate(force=True)["to_send"] == 249
    with Client() as client:
        assert push_estimate(frame, list_id, client=client)["already_pushed"] == 120
        assert client.stats.requests == client.stats.logins == 0
    adds = sandbox.count("add_to_list")
    push_to_list(frame, list_id, progress=False)
    assert sandbox.count("add_to_list") - adds == 1  # the 79 rows never sent
    assert estimate()["to_send"] == 0


def test_the_report_counts_this_runs_requests_only(sandbox):
    with Client() as client:
        list_id = create_list("shared", client=client)
        push_to_list(leads(150), list_id, client=client, progress=False)
        seen = sandbox.stats()["total"]

        again = push_to_list(leads(250), list_id, client=client, progress=False)

    assert again.attrs["salesrocks"].requests_sent == sandbox.stats()["total"] - seen == 2


# --- what goes on the wire -------------------------------------------------------------

def test_missing_values_are_left_out_and_numbers_sent_as_plain_json(sandbox):
    frame = pd.DataFrame({
        "email": ["a@example.com", "b@example.com", None],
        "employees": [np.int64(12), np.nan, np.int64(3)],
        "score": [0.5, np.float32(2.0), np.nan],
        "signed_up": [pd.Timestamp("2024-05-01 09:30"), pd.NaT, pd.Timestamp("2024-06-02")],
        "note": ["  ", "vip", pd.NA],
    })
    list_id = create_list("types")

    push_to_list(frame, list_id, progress=False)

    (request,) = sandbox.requests("add_to_list")
    assert request["body"]["data"] == [
        {"email": "a@example.com", "employees": 12, "score": 0.5, "signed_up": "2024-05-01 09:30:00"},
        {"email": "b@example.com", "score": 2, "note": "vip"},
        {"employees": 3, "signed_up": "2024-06-02 00:00:00"},
    ]


def test_default_columns_are_the_original_ones(sandbox):
    frame = leads(3, start=1).assign(email_status="Valid", found_email=None, secret="hunter2")
    list_id = create_list("originals")

    push_to_list(frame, list_id, progress=False)
    push_to_list(frame, create_list("two columns"), columns=["email", "first_name"], progress=False)

    first, second = (r["body"]["data"][0] for r in sandbox.requests("add_to_list"))
    assert set(first) == {"first_name", "email", "company", "employees"}
    assert set(second) == {"email", "first_name"}


def test_rows_with_nothing_to_send_are_reported_not_sent(sandbox):
    frame = pd.DataFrame({"email": ["a@example.com", None, "c@example.com"],
                          "score": [1.0, np.nan, np.inf]})
    pushed = push_to_list(frame, create_list("gaps"), progress=False)

    assert pushed["sr_contact_id"].notna().tolist() == [True, False, False]
    assert pushed["sr_push_error"].tolist()[1].startswith("missing")
    assert pushed["sr_push_error"].tolist()[2].startswith("invalid")
    assert len(sandbox.requests("add_to_list")[0]["body"]["data"]) == 1


def test_the_frame_comes_back_whole_and_the_input_is_untouched(sandbox):
    frame = leads(5)
    frame.index = pd.Index(["x", "y", "x", "z", "y"])
    before = frame.copy()

    pushed = push_to_list(frame, create_list("index"), progress=False)

    pd.testing.assert_frame_equal(frame, before)
    assert pushed.index.tolist() == ["x", "y", "x", "z", "y"]
    assert pushed.columns.tolist() == [*frame.columns, "sr_contact_id", "sr_push_error"]
    pd.testing.assert_frame_equal(pushed[frame.columns], frame)
    report = pushed.attrs["salesrocks"]
    assert (report.rows, report.answered, report.failed) == (5, 5, {})


def test_identical_rows_are_distinct_contacts(sandbox):
    frame = pd.DataFrame({"email": ["same@example.com"] * 3, "name": ["Sam"] * 3})
    list_id = create_list("twins")

    pushed = push_to_list(frame, list_id, progress=False)
    again = push_to_list(frame, list_id, progress=False)
    one_more = push_to_list(pd.concat([frame, frame.iloc[:1]]), list_id, progress=False)

    assert pushed["sr_contact_id"].nunique() == 3
    assert again["sr_contact_id"].tolist() == pushed["sr_contact_id"].tolist()
    assert one_more["sr_contact_id"].nunique() == 4
    assert len(read_list(list_id)) == 4
    assert sandbox.count("add_to_list") == 2


def test_force_pushes_again(sandbox):
    frame = leads(10)
    list_id = create_list("forced")
    first = push_to_list(frame, list_id, progress=False)

    forced = push_to_list(frame, list_id, force=True, progress=False)

    assert sandbox.count("add_to_list") == 2
    assert len(read_list(list_id)) == 20
    assert set(forced["sr_contact_id"]).isdisjoint(first["sr_contact_id"])
    later = push_to_list(frame, list_id, progress=False)
    assert later["sr_contact_id"].tolist() == forced["sr_contact_id"].tolist()


def test_the_ledger_is_per_list(sandbox):
    frame = leads(5)
    push_to_list(frame, create_list("one"), progress=False)
    other = push_to_list(frame, create_list("other"), progress=False)

    assert sandbox.count("add_to_list") == 2
    assert other["sr_contact_id"].notna().all()


# --- failures that never reached the service -------------------------------------------

def test_an_unknown_list_is_refused_before_any_row_is_sent(sandbox):
    from sr_frames import NotFoundError

    with pytest.raises(NotFoundError, match="List not found"):
        push_to_list(leads(5), "nosuchlist01", progress=False)
    assert sandbox.count("add_to_list") == 0


def test_a_refused_chunk_does_not_sink_the_others(sandbox):
    sandbox.add_fault("status", path="add_to_list", status=400, times=1)
    frame = leads(250)
    list_id = create_list("refused")

    first = push_to_list(frame, list_id, progress=False)

    errors = first["sr_push_error"].dropna()
    assert len(errors) == 100 and errors.str.startswith("bad_request").all()
    assert first["sr_contact_id"].notna().sum() == 150
    second = push_to_list(frame, list_id, progress=False)
    assert sandbox.count("add_to_list") == 4
    assert second["sr_contact_id"].notna().all()
    assert len(read_list(list_id)) == 250


def test_429_is_waited_out_and_retried(sandbox):
    sandbox.add_fault("status", path="add_to_list", status=429, retry_after=0.2, times=1)
    list_id = create_list("busy")

    pushed = push_to_list(leads(150), list_id, progress=False)

    assert pushed["sr_contact_id"].notna().all()
    assert sandbox.count("add_to_list") == 3
    assert len(read_list(list_id)) == 150


def test_connection_refused_is_retried_then_reported_as_not_sent(sandbox):
    list_id = create_list("unreachable")
    # a valid token, so the only thing that fails is reaching the service
    with Client() as client:
        login = {"username": os.environ[defaults.ENV_USERNAME], "password": os.environ[defaults.ENV_PASSWORD]}
        token = client.call("login", login)["access_token"]
    with Client(token=token, base_url="http://127.0.0.1:9", max_retries=1) as client:
        pushed = push_to_list(leads(3), list_id, client=client, progress=False)

    assert pushed["sr_push_error"].str.startswith("connect").all()
    assert sandbox.count("add_to_list") == 0
    assert push_to_list(leads(3), list_id, progress=False)["sr_contact_id"].notna().all()


# --- the ledger ------------------------------------------------------------------------

def test_the_ledger_holds_fingerprints_only_in_a_private_directory(sandbox):
    frame = leads(20)
    list_id = create_list("private")
    push_to_list(frame, list_id, progress=False)

    directory = config.settings().resolved_cache_dir / LEDGER_DIRECTORY
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    stored = b"".join(p.read_bytes() for p in directory.rglob("*") if p.is_file())
    assert b"ada1@example.com" not in stored
    with closing(sqlite3.connect(directory / "cache.db")) as db:
        rows = db.execute("SELECT key, raw, value FROM Cache").fetchall()
    assert rows and all(raw == 1 and isinstance(json.loads(value), dict) for _, raw, value in rows)


def test_fingerprints_ignore_key_order_service_fields_and_whole_floats():
    a = {"email": "a@example.com", "employees": 12}
    b = {"employees": 12.0, "email": "a@example.com", "_id": {"$oid": "x"}, "list_id": "l"}
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint({**a, "employees": 13})


def test_the_ledger_remembers_across_runs(tmp_path):
    with Ledger("abc", base_url="http://sb", account="me", directory=tmp_path) as ledger:
        ledger.confirm([("h1", "id1"), ("h1", "id2")])
        ledger.mark_uncertain(["h2", "h2"])
    with Ledger("abc", base_url="http://sb/", account="me", directory=tmp_path) as ledger:
        assert ledger.ids(["h1", "h2"]) == {"h1": ["id1", "id2"]}
        assert ledger.uncertain() == {"h2": 2}
        assert ledger.settle({"h2": ["old", "id3"]}) == 2
        assert ledger.ids(["h2"]) == {"h2": ["old", "id3"]}
        assert ledger.uncertain() == {}
    with Ledger("abc", base_url="http://sb", account="someone else", directory=tmp_path) as ledger:
        assert ledger.ids(["h1"]) == {}
    assert stat.S_IMODE((tmp_path / LEDGER_DIRECTORY).stat().st_mode) == 0o700


def test_ctrl_c_in_the_middle_of_a_ledger_write_lands_after_it(tmp_path):
    # Ctrl-C inside a write would roll it back (a chunk the service added, forgotten) or
    # leave the connection in an open transaction; it is held until the write is done
    with Ledger("abc", base_url="http://sb", account="me", directory=tmp_path) as ledger:
        read_ids = ledger.ids

        def ids_then_ctrl_c(hashes):  # confirm() reads the known ids inside its transaction
            signal.raise_signal(signal.SIGINT)
            return read_ids(hashes)

        ledger.ids = ids_then_ctrl_c
        with pytest.raises(KeyboardInterrupt):
            ledger.confirm([("h1", "id1")])
        del ledger.ids

        assert ledger.ids(["h1"]) == {"h1": ["id1"]}, "the confirmed id was kept"
        ledger.mark_uncertain(["h2"])  # the next write goes through
        assert ledger.uncertain() == {"h2": 1}
