"""Whole runs: from a plain script, killed halfway, interrupted with Ctrl-C, and what
they leave on disk. Scripts run in subprocesses against the sandbox of this process."""

import asyncio
import gc
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from pathlib import Path

import diskcache
import pandas as pd
import pytest

import sr_frames
from sr_frames.cache.scope import cache_scope
from sr_frames.cache.store import ResponseCache
from sr_frames.defaults import CACHE_WRITE_WINDOW, GC_YOUNG_THRESHOLD_SENDING
from sr_frames.endpoints import endpoint

SCRIPT = textwrap.dedent("""
    import sys, threading, gc
    import pandas as pd
    import sr_frames

    sr_frames.configure(max_concurrency=int(sys.argv[2]))
    leads = pd.DataFrame({"email": [f"person{i}@example.com" for i in range(int(sys.argv[1]))]})
    try:
        checked = leads.salesrocks.verify_emails(progress=False)
    except KeyboardInterrupt:
        gc.collect()
        print("interrupted; threads:", sorted(t.name for t in threading.enumerate()), flush=True)
        sys.exit(130)
    print(checked["email_status"].value_counts().to_json(), flush=True)
""")


def run_script(tmp_path, *args, wait=True):
    script = tmp_path / "enrich.py"
    script.write_text(SCRIPT)
    command = [sys.executable, "-X", "dev", str(script), *map(str, args)]
    if wait:
        return subprocess.run(command, capture_output=True, text=True, timeout=120, env=os.environ.copy())
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ.copy())


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def cached_answers():
    return sr_frames.cache_info().by_endpoint.get("verify_email", 0)


def test_a_plain_script_runs_cleanly(sandbox, tmp_path):
    done = run_script(tmp_path, 50, 8)
    assert done.returncode == 0, done.stderr
    assert sum(json.loads(done.stdout).values()) == 50
    assert "Unclosed" not in done.stderr and "ResourceWarning" not in done.stderr, done.stderr
    assert sandbox.count("verify_email") == 50


def threads_seen_during(action):
    """The names of every thread alive at some moment while ``action()`` ran."""
    seen, done = set(), threading.Event()

    def watch():
        while not done.is_set():
            seen.update(t.name for t in threading.enumerate())
            time.sleep(0.001)

    watcher = threading.Thread(target=watch, name="watcher")
    watcher.start()
    try:
        action()
    finally:
        done.set()
        watcher.join()
    return seen - {"watcher", threading.current_thread().name}


def test_a_script_sends_from_its_own_thread_and_a_client_from_the_clients(sandbox):
    sandbox.configure(latency_ms=20)
    leads = pd.DataFrame({"email": [f"person{i}@example.com" for i in range(64)]})
    alone = threads_seen_during(lambda: leads.salesrocks.verify_emails(progress=False, cache=False))
    assert "sr-frames-loop" not in alone  # no second thread to wake for every answer
    with sr_frames.Client() as client:
        given = threads_seen_during(lambda: leads.salesrocks.verify_emails(
            progress=False, cache=False, client=client))
    assert "sr-frames-loop" in given  # a Client keeps its loop, and its pool, between calls
    assert sandbox.count("verify_email") == 128


def test_a_verb_leaves_the_event_loop_a_script_has_set(sandbox):
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        pd.DataFrame({"email": ["jane@example.com"]}).salesrocks.verify_emails(progress=False)
        assert asyncio.get_event_loop_policy().get_event_loop() is loop
    finally:
        asyncio.set_event_loop(None)
        loop.close()


class TimerLog(asyncio.SelectorEventLoop):
    """An event loop that notes the delay of every timer set on it."""

    def __init__(self):
        super().__init__()
        self.delays = []

    def call_at(self, when, callback, *args, context=None):
        self.delays.append(when - self.time())
        return super().call_at(when, callback, *args, context=context)


def test_a_run_without_a_bar_does_not_wake_to_refresh_one(sandbox):
    sandbox.configure(latency_ms=400)
    leads = pd.DataFrame({"email": ["jane@example.com", "john@example.com"]})
    with asyncio.Runner(loop_factory=TimerLog) as runner:
        checked = runner.run(leads.salesrocks.verify_emails_async(progress=False, cache=False))
        delays = runner.get_loop().delays
    assert checked["email_status"].notna().all()
    assert not [d for d in delays if d < 1], "no short timers: nothing waits to redraw a bar"


def test_a_killed_run_loses_nothing_it_was_answered(sandbox, tmp_path):
    sandbox.configure(latency_ms=20)
    running = run_script(tmp_path, 400, 4, wait=False)
    wait_for(lambda: sandbox.count("verify_email") >= 120)
    killed = time.monotonic()
    running.send_signal(signal.SIGKILL)
    running.communicate(timeout=30)
    received = sandbox.count("verify_email")
    kept = cached_answers()
    # answers are committed within CACHE_WRITE_WINDOW; allow a busy machine 0.25 s more
    settled = killed - 0.02 - CACHE_WRITE_WINDOW - 0.25
    answered_before = sum(r["t"] < settled for r in sandbox.requests("verify_email"))
    assert answered_before <= kept <= received, "only the last window's answers may be lost"

    sandbox.configure(latency_ms=0)
    leads = pd.DataFrame({"email": [f"person{i}@example.com" for i in range(400)]})
    leads.salesrocks.verify_emails(progress=False)
    assert sandbox.count("verify_email") - received == 400 - kept


def test_ctrl_c_stops_sending_at_once_and_keeps_the_answers(sandbox, tmp_path):
    sandbox.configure(latency_ms=50)
    running = run_script(tmp_path, 2_000, 8, wait=False)
    wait_for(lambda: sandbox.count("verify_email") >= 80)
    signalled = time.monotonic()
    running.send_signal(signal.SIGINT)
    out, err = running.communicate(timeout=10)
    exited = time.monotonic() - signalled
    assert running.returncode == 130, err
    assert exited < 2.0
    late = [r for r in sandbox.requests("verify_email") if r["t"] > signalled + 0.05]
    assert late == [], "no request after the signal"
    assert "interrupted; threads: ['MainThread']" in out, "no thread left behind"
    assert "Unclosed" not in err and "ResourceWarning" not in err, err
    assert "kept in the cache" in err
    assert cached_answers() >= sandbox.count("verify_email") - 8


def test_the_cache_holds_no_secret_and_is_private(sandbox, tmp_path, monkeypatch):
    password = "SENTINEL-pw-3f9a1c"
    login = urllib.request.Request(
        f"{sandbox.url}/auth/accessToken", method="POST",
        data=json.dumps({"username": "analyst", "password": password}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(login) as answer:
        token = json.load(answer)["access_token"]

    leads = pd.DataFrame({"email": ["a@example.com", "b@example.com"]})
    monkeypatch.setenv("SALESROCKS_PASSWORD", password)
    leads.salesrocks.verify_emails(progress=False).salesrocks.list_memberships(progress=False)
    monkeypatch.delenv("SALESROCKS_PASSWORD")
    monkeypatch.setenv("SALESROCKS_TOKEN", token)
    more = pd.DataFrame({"email": ["c@example.com"]})
    more.salesrocks.verify_emails(progress=False).salesrocks.list_memberships(progress=False)

    directory = Path(os.environ["SALESROCKS_CACHE_DIR"])
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert files
    for path in files:
        content = path.read_bytes()
        assert password.encode() not in content, path
        assert token.encode() not in content, path
        assert token.split(".")[2].encode() not in content, path


class PlantedPayload:
    """Unpickling this would create a marker file: proof that a row was loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_a_planted_pickle_is_refused_and_the_address_asked_again(sandbox, tmp_path):
    marker = tmp_path / "pwned"
    key = ResponseCache.key(endpoint("verify_email"), {"email": "a@example.com"},
                            base_url=cache_scope(sandbox.url))
    directory = os.environ["SALESROCKS_CACHE_DIR"]
    ResponseCache(directory).close()  # make the directory as the library would
    with diskcache.Cache(directory) as planted:
        planted.set(key, PlantedPayload(marker))

    leads = pd.DataFrame({"email": ["a@example.com"]})
    with pytest.warns(sr_frames.CacheWarning):
        checked = leads.salesrocks.verify_emails(progress=False)
    assert not marker.exists()
    assert sandbox.count("verify_email") == 1
    assert checked.loc[0, "email_status"] in ("Valid", "Invalid", "Accept All")


# While a run has requests in flight, young collections would walk every one of them
# each time (sr_frames.enrich.collector.spaced): the run spaces them out, then puts the
# collector back as it found it.

@pytest.fixture
def collector():
    """The process's collector thresholds, put back whatever a test does."""
    found = gc.get_threshold()
    yield found
    gc.set_threshold(*found)


async def threshold_while_sending(sandbox, run, sent=1):
    """``gc.get_threshold()`` once the sandbox has ``sent`` requests, and ``run``'s frame."""
    task = asyncio.ensure_future(run)
    while sandbox.count("verify_email") < sent and not task.done():
        await asyncio.sleep(0.005)
    during = gc.get_threshold()
    return during, await task


def test_a_run_collects_less_often_while_it_sends_and_puts_the_collector_back(sandbox, collector):
    sandbox.configure(latency_ms=200)
    leads = pd.DataFrame({"email": [f"person{i}@example.com" for i in range(4)]})
    during, checked = asyncio.run(threshold_while_sending(
        sandbox, leads.salesrocks.verify_emails_async(progress=False)))
    assert checked["email_status"].notna().all()
    assert during == (GC_YOUNG_THRESHOLD_SENDING, *collector[1:])
    assert gc.get_threshold() == collector


def test_overlapping_runs_put_the_collector_back_when_the_last_one_ends(sandbox, collector):
    sandbox.configure(latency_ms=150)
    sr_frames.configure(max_concurrency=2)
    short = pd.DataFrame({"email": ["short@example.com"]})
    long = pd.DataFrame({"email": [f"long{i}@example.com" for i in range(8)]})  # 4 rounds of 2

    async def both():
        running = asyncio.ensure_future(long.salesrocks.verify_emails_async(progress=False))
        await short.salesrocks.verify_emails_async(progress=False)
        after_short = gc.get_threshold()
        await running
        return after_short

    assert asyncio.run(both()) == (GC_YOUNG_THRESHOLD_SENDING, *collector[1:])
    assert gc.get_threshold() == collector


def test_a_run_that_fails_puts_the_collector_back(sandbox, collector):
    sandbox.configure(password="another one")
    leads = pd.DataFrame({"email": ["jane@example.com"]})
    with pytest.raises(sr_frames.AuthenticationError):
        leads.salesrocks.verify_emails(progress=False)
    assert gc.get_threshold() == collector


@pytest.mark.parametrize("theirs", [(0, 10, 10), (50_000, 20, 20)], ids=["switched off", "higher"])
def test_a_collector_the_caller_switched_off_or_set_higher_is_left_alone(sandbox, collector, theirs):
    sandbox.configure(latency_ms=100)
    gc.set_threshold(*theirs)
    leads = pd.DataFrame({"email": ["jane@example.com", "john@example.com"]})
    during, _ = asyncio.run(threshold_while_sending(
        sandbox, leads.salesrocks.verify_emails_async(progress=False, cache=False)))
    assert during == theirs == gc.get_threshold()


def test_a_threshold_the_caller_changes_during_a_run_is_kept(sandbox, collector):
    sandbox.configure(latency_ms=200)
    leads = pd.DataFrame({"email": ["jane@example.com"]})

    async def retune():
        task = asyncio.ensure_future(leads.salesrocks.verify_emails_async(progress=False))
        while sandbox.count("verify_email") < 1:
            await asyncio.sleep(0.005)
        gc.set_threshold(2_000, 5, 5)
        await task

    asyncio.run(retune())
    assert gc.get_threshold() == (2_000, 5, 5)
