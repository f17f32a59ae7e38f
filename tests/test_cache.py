"""The response cache: keys, JSON-only storage, expiry, and failures that never stop a run."""

from __future__ import annotations

import asyncio
import os
import pathlib
import pickle
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import warnings

import diskcache
import pytest

from sr_frames.cache.store import (
    MISSING,
    CacheInfo,
    CacheWarning,
    JSONOnlyDisk,
    ResponseCache,
    cache_info,
    clear_cache,
)
from sr_frames.cache.write_behind import WriteBehind
from sr_frames.defaults import CACHE_CHECKPOINT_PAGES
from sr_frames.endpoints import Endpoint, Field, endpoint

BASE_URL = "https://api.sales.rocks"
VERIFY_EMAIL = endpoint("verify_email")
FIND_EMAIL = endpoint("find_email")
LIST_MEMBERSHIPS = endpoint("list_memberships")


def email_key(email: str, base_url: str = BASE_URL) -> str:
    return ResponseCache.key(VERIFY_EMAIL, {"email": email}, base_url=base_url)


@pytest.fixture
def cache(tmp_path):
    with ResponseCache(tmp_path / "responses") as cache:
        yield cache


# keys ------------------------------------------------------------------------------


def test_the_key_of_a_request_is_pinned():
    # sha256 of {"account":null,"base_url":"https://api.sales.rocks","body":{"email":...}}
    # as compact JSON with sorted keys; changing it throws away every user's cache
    assert email_key("jane.doe@example.com") == (
        "sr1:/toolkit/emailVerifier:"
        "628bad142d1146b1d6b1d85d1470ede0683b833d1479a3488300d5ca7b5ab58a"
    )


def test_keys_ignore_body_order_and_a_trailing_slash_but_not_the_service():
    body = {"first_name": "jane", "last_name": "doe", "company_domain": "example.com"}
    key = ResponseCache.key(FIND_EMAIL, body, base_url=BASE_URL)
    assert ResponseCache.key(FIND_EMAIL, dict(reversed(body.items())), base_url=BASE_URL + "/") == key
    assert ResponseCache.key(FIND_EMAIL, body, base_url="http://127.0.0.1:8080") != key
    assert email_key("jane@example.com") != email_key("john@example.com")


def test_account_scoped_answers_are_keyed_by_account_and_others_are_not():
    body = {"email": "jane@example.com"}

    def memberships(account):
        return ResponseCache.key(LIST_MEMBERSHIPS, body, base_url=BASE_URL, account=account)

    assert memberships("alice@example.com") != memberships("bob@example.com")
    with pytest.raises(ValueError, match="account"):
        memberships(None)
    assert ResponseCache.key(VERIFY_EMAIL, body, base_url=BASE_URL, account="alice@example.com") \
        == email_key("jane@example.com")


def test_no_key_for_mutating_endpoints_or_bodies_holding_a_secret():
    with pytest.raises(ValueError, match="never cached"):
        ResponseCache.key(endpoint("add_to_list"), {"list_id": "l1", "data": []}, base_url=BASE_URL)
    vault = Endpoint("vault", "/vault", "a cacheable read with a secret field",
                     fields=(Field("name"), Field("secret", secret=True)), ttl=60.0)
    with pytest.raises(ValueError, match="secret") as refused:
        ResponseCache.key(vault, {"name": "n", "secret": "hunter2"}, base_url=BASE_URL)
    assert "hunter2" not in str(refused.value)


# storing and reading -----------------------------------------------------------------


@pytest.mark.parametrize("value", [
    {"answer": {"status": "Valid", "mx_records": True, "confidence_score": 97}},
    {"not_found": "No email found"},
    [{"list_id": "l1", "name": "Leads – Zürich"}],
    "text", 42, 2.5, None,
])
def test_a_stored_answer_comes_back_as_the_same_json(cache, value):
    key = email_key("jane@example.com")
    assert cache.get(key) is MISSING
    cache.set(VERIFY_EMAIL, key, value)
    assert cache.get(key) == value
    assert cache.get(key) is not MISSING  # None is an answer, not a miss


def test_get_many_returns_only_the_hits(cache):
    keys = [email_key(f"user{i}@example.com") for i in range(1200)]
    for i, key in enumerate(keys[::2]):
        cache.set(VERIFY_EMAIL, key, {"answer": i})
    hits = cache.get_many(iter(keys))
    assert hits.keys() == set(keys[::2])
    assert hits[keys[4]] == {"answer": 2}
    assert cache.get_many([]) == {}


def test_values_are_stored_as_json_text_in_the_database(cache):
    key = email_key("jane@example.com")
    cache.set(VERIFY_EMAIL, key, {"answer": {"status": "Valid"}})
    with sqlite3.connect(cache.directory / "cache.db") as db:
        rows = db.execute("SELECT value, filename, tag FROM Cache WHERE key = ?", (key,)).fetchall()
    db.close()
    assert rows == [('{"answer":{"status":"Valid"}}', None, "verify_email")]


def test_set_refuses_what_it_must_not_store(cache):
    key = email_key("jane@example.com")
    with pytest.raises(ValueError, match="never cached"):
        cache.set(endpoint("create_list"), key, {"answer": "l1"})
    with pytest.raises(ValueError, match="not a cache key of"):
        cache.set(FIND_EMAIL, key, {"answer": "x"})
    with pytest.raises(TypeError):
        cache.set(VERIFY_EMAIL, key, {"answer": object()})
    assert cache.get(key) is MISSING


# expiry ------------------------------------------------------------------------------


def test_answers_expire_after_their_endpoint_ttl_and_not_found_sooner(tmp_path):
    found = ResponseCache.key(FIND_EMAIL, {"first_name": "jane"}, base_url=BASE_URL)
    missing = ResponseCache.key(FIND_EMAIL, {"first_name": "nobody"}, base_url=BASE_URL)
    written = time.time()
    with ResponseCache(tmp_path) as cache:
        cache.set(FIND_EMAIL, found, {"answer": {"email": "jane@example.com"}})
        cache.set(FIND_EMAIL, missing, {"not_found": "No email found"}, not_found=True)

    def read_at(moment):
        with ResponseCache(tmp_path, clock=lambda: moment) as later:
            return later.get_many([found, missing])

    assert FIND_EMAIL.not_found_ttl < FIND_EMAIL.ttl
    assert set(read_at(written + FIND_EMAIL.not_found_ttl - 60)) == {found, missing}
    assert set(read_at(written + FIND_EMAIL.not_found_ttl + 60)) == {found}
    assert read_at(written + FIND_EMAIL.ttl + 60) == {}


def test_the_expiry_time_is_stored_with_each_answer(cache):
    key = email_key("jane@example.com")
    cache.set(VERIFY_EMAIL, key, {"answer": 1})
    with diskcache.Cache(cache.directory, disk=JSONOnlyDisk) as inner:
        _, expire_time = inner.get(key, expire_time=True)
    assert expire_time == pytest.approx(time.time() + VERIFY_EMAIL.ttl, abs=60)


# info and clearing -------------------------------------------------------------------


def test_info_counts_live_answers_per_endpoint_and_clear_removes_one_endpoint(cache):
    for i in range(3):
        cache.set(VERIFY_EMAIL, email_key(f"u{i}@example.com"), {"answer": i})
    cache.set(FIND_EMAIL, ResponseCache.key(FIND_EMAIL, {"first_name": "jane"}, base_url=BASE_URL),
              {"answer": None})
    info = cache.info()
    assert (info.entries, info.by_endpoint) == (4, {"verify_email": 3, "find_email": 1})
    assert info.size_bytes > 0 and info.directory == cache.directory
    assert str(info).startswith("4 cached answers, ")
    assert "\n" not in str(info) and "verify_email 3" in str(info)

    assert cache.clear("/search/emailByFirstLastNameAndCompanyDomain") == 1
    assert cache.clear(VERIFY_EMAIL) == 3
    assert cache.clear("verify_email") == 0
    with pytest.raises(KeyError, match="unknown endpoint"):
        cache.clear("verify_emails")


def test_module_helpers_use_the_configured_directory():
    with ResponseCache() as cache:
        assert cache.directory == pathlib.Path(os.environ["SALESROCKS_CACHE_DIR"])
        cache.set(VERIFY_EMAIL, email_key("jane@example.com"), {"answer": 1})
        cache.set(VERIFY_EMAIL, email_key("john@example.com"), {"answer": 2})
    info = cache_info()
    assert isinstance(info, CacheInfo) and info.entries == 2
    assert clear_cache("verify_email") == 2
    assert clear_cache() == 0
    assert cache_info().entries == 0


# safety and durability ---------------------------------------------------------------


def test_the_directory_is_private_even_under_a_wide_umask(tmp_path):
    old = os.umask(0)
    try:
        with ResponseCache(tmp_path / "new" / "cache") as cache:
            assert stat.S_IMODE(cache.directory.stat().st_mode) == 0o700
        existing = tmp_path / "existing"
        existing.mkdir(mode=0o755)
        with ResponseCache(existing):
            assert stat.S_IMODE(existing.stat().st_mode) == 0o700
    finally:
        os.umask(old)


def test_cache_files_are_readable_by_their_owner_only(tmp_path):
    old = os.umask(0)
    try:
        with ResponseCache(tmp_path / "cache") as cache:
            cache.set(VERIFY_EMAIL, email_key("jane@example.com"), {"answer": {"status": "Valid"}})
            files = sorted(p.name for p in cache.directory.iterdir())
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in cache.directory.iterdir()}
    finally:
        os.umask(old)
    assert "cache.db" in files
    assert set(modes.values()) == {0o600}, modes


def test_an_existing_directory_keeps_its_owner_permissions(tmp_path):
    existing = tmp_path / "existing"
    existing.mkdir()
    existing.chmod(0o755)
    with ResponseCache(existing):
        pass
    existing.chmod(0o555)  # the owner made it read-only: it stays so
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CacheWarning)  # it cannot be written (unless root)
            ResponseCache(existing).close()
        assert stat.S_IMODE(existing.stat().st_mode) == 0o500
    finally:
        existing.chmod(0o700)


READ_ONLY_RUN = """
import json, warnings
import pandas as pd
import sr_frames
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as seen:
    checked = pd.DataFrame({"email": ["jane@example.com", "john@example.com"]}).salesrocks.verify_emails(
        progress=False)
status = checked["email_status"].astype(object)
print(json.dumps({"status": status.where(status.notna(), None).tolist(),
                  "cache_hits": checked.attrs["salesrocks"].cache_hits,
                  "warnings": [str(w.message) for w in seen]}))
"""


def run_unprivileged(script: str) -> dict:
    """Run ``script`` in a Python process that file permissions apply to (as root, one
    without the capability to override them), and answer the JSON it prints."""
    import json
    import shutil

    command = [sys.executable, "-c", script]
    if os.geteuid() == 0:
        if shutil.which("capsh") is None:
            pytest.skip("as root, capsh is needed to run without overriding permissions")
        command = ["capsh", "--drop=cap_dac_override,cap_dac_read_search,cap_fowner", "--",
                   "-c", 'exec "$0" "$@"', *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parents[1])})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_read_only_cache_directory_is_read_and_never_written(sandbox):
    import pandas as pd

    leads = pd.DataFrame({"email": ["jane@example.com"]})
    leads.salesrocks.verify_emails(progress=False)  # jane's answer is in the cache
    directory = pathlib.Path(os.environ["SALESROCKS_CACHE_DIR"])
    for path in [*directory.iterdir(), directory]:
        path.chmod(0o400 if path.is_file() else 0o500)
    try:
        before = {p.name: p.stat().st_mtime_ns for p in directory.iterdir()}
        run = run_unprivileged(READ_ONLY_RUN)
        after = {p.name: p.stat().st_mtime_ns for p in directory.iterdir()}
    finally:
        directory.chmod(0o700)
    assert run["cache_hits"] == 1, "jane was answered from the cache"
    assert sandbox.count("verify_email") == 2, "only john was asked"
    assert run["status"][0] is not None and run["status"][1] is not None
    assert len(run["warnings"]) == 1 and "cannot be written" in run["warnings"][0]
    assert after == before, "nothing written"


class PlantsMarker:
    """Unpickling this creates a file: proof that a planted row would run code."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return pathlib.Path.touch, (self.marker,)


@pytest.mark.parametrize("min_file_size", [2**15, 0], ids=["in-row", "in-file"])
def test_a_planted_pickled_row_is_refused_never_loaded(tmp_path, min_file_size):
    proof = tmp_path / "pickle-really-runs"
    pickle.loads(pickle.dumps(PlantsMarker(proof)))
    assert proof.exists()  # the payload is live

    marker = tmp_path / "planted-code-ran"
    key = email_key("jane@example.com")
    with ResponseCache(tmp_path / "cache"):
        pass
    with diskcache.Cache(tmp_path / "cache", disk_min_file_size=min_file_size) as plain:
        plain.set(key, PlantsMarker(marker), tag="verify_email")
        plain.set(("a", "pickled", "key"), "value")

    with ResponseCache(tmp_path / "cache") as cache:
        with pytest.warns(CacheWarning, match="not stored as JSON"):
            assert cache.get(key) is MISSING
        assert cache.get_many([key]) == {}
        assert cache.info().entries == 2
        cache.set(VERIFY_EMAIL, key, {"answer": "fresh"})  # a new answer replaces the row
        assert cache.get(key) == {"answer": "fresh"}
    assert not marker.exists()


def test_a_set_survives_the_process_being_killed_right_after(tmp_path):
    key = email_key("jane@example.com")
    script = (
        "import os, signal\n"
        "from sr_frames.cache.store import ResponseCache\n"
        "from sr_frames.endpoints import endpoint\n"
        f"cache = ResponseCache({str(tmp_path)!r})\n"
        f"cache.set(endpoint('verify_email'), {key!r}, {{'answer': 'paid for'}})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == -9, done.stderr
    with ResponseCache(tmp_path) as cache:
        assert cache.get(key) == {"answer": "paid for"}


def test_keys_hashed_in_bulk_are_the_keys_of_each_body():
    single = [{"email": f"person{i}@example.com"} for i in range(50)] + [{"email": "ä\"\\@x.io"}]
    mixed = [{"first_name": "a", "last_name": "b", "company_domain": "c.io"}, {"email": "x@y.z"}]
    for ep, bodies, account in ((VERIFY_EMAIL, single, None), (FIND_EMAIL, mixed[:1], None),
                                (LIST_MEMBERSHIPS, single[:3], "analyst"),
                                (VERIFY_EMAIL, [{"email": 3}, {"email": "a@b.co"}], None)):
        expected = [ResponseCache.key(ep, body, base_url=BASE_URL + "/", account=account)
                    for body in bodies]
        assert ResponseCache.keys_of(ep, bodies, base_url=BASE_URL + "/", account=account) == expected
    assert ResponseCache.keys_of(VERIFY_EMAIL, [], base_url=BASE_URL) == []


# answers written in small transactions ------------------------------------------------


def test_rows_written_together_read_back_as_single_sets_do(cache):
    first, again, missing = email_key("a@example.com"), email_key("b@example.com"), email_key("c@x.io")
    cache.set(VERIFY_EMAIL, again, {"answer": "old"})
    cache.write_rows([cache.row(VERIFY_EMAIL, first, {"answer": "ä ✓"}),
                      cache.row(VERIFY_EMAIL, again, {"answer": "new"}),
                      cache.row(FIND_EMAIL, ResponseCache.key(FIND_EMAIL, {"first_name": "a"},
                                                              base_url=BASE_URL),
                                {"not_found": "no"}, not_found=True)])
    assert cache.get_many([first, again, missing]) == {first: {"answer": "ä ✓"}, again: {"answer": "new"}}
    info = cache.info()
    assert info.entries == 3 and info.by_endpoint == {"verify_email": 2, "find_email": 1}
    assert len(cache._cache) == 3  # diskcache's own count, kept by its triggers, agrees
    with diskcache.Cache(cache.directory, disk=JSONOnlyDisk) as plain:
        assert plain.get(first) == {"answer": "ä ✓"}  # the rows diskcache itself would write


def test_a_large_batch_with_a_repeated_address_keeps_every_row_and_the_last_answer(cache):
    # 301 rows: statements of 128, 128 and 45 rows; one address twice in a batch
    keys = [email_key(f"person{i}@example.com") for i in range(300)]
    rows = [cache.row(VERIFY_EMAIL, key, {"answer": i}) for i, key in enumerate(keys)]
    rows.append(cache.row(VERIFY_EMAIL, keys[5], {"answer": "again"}))
    cache.write_rows(rows)
    found = cache.get_many(keys)
    assert found == {key: {"answer": "again" if i == 5 else i} for i, key in enumerate(keys)}
    assert cache.info().entries == 300 == len(cache._cache)


def test_a_row_is_checked_before_anything_is_written(cache):
    with pytest.raises(ValueError, match="not a cache key"):
        cache.row(FIND_EMAIL, email_key("a@example.com"), {"answer": 1})
    with pytest.raises(TypeError):
        cache.row(VERIFY_EMAIL, email_key("a@example.com"), {"answer": object()})


def test_rows_written_together_expire_by_their_endpoint_and_expired_rows_are_culled(tmp_path):
    now = [time.time()]
    with ResponseCache(tmp_path, clock=lambda: now[0]) as cache:
        old, fresh = email_key("old@example.com"), email_key("b@example.com")
        found = ResponseCache.key(FIND_EMAIL, {"first_name": "a"}, base_url=BASE_URL)
        cache.set(VERIFY_EMAIL, old, {"answer": 1})
        cache._cache._sql("UPDATE Cache SET expire_time = 1 WHERE key = ?", (old,))
        cache.write_rows([cache.row(FIND_EMAIL, found, {"not_found": "x"}, not_found=True),
                          cache.row(VERIFY_EMAIL, fresh, {"answer": 2})])
        assert len(cache._cache) == 2  # the long-expired row is gone, not just hidden
        now[0] += FIND_EMAIL.not_found_ttl + 1  # a day: the "not found" has expired
        assert cache.get_many([found, fresh]) == {fresh: {"answer": 2}}
        now[0] += VERIFY_EMAIL.ttl
        assert cache.get_many([found, fresh]) == {}


def wait_until(condition, within):
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_queued_answers_are_committed_together_within_the_window(cache):
    keys = [email_key(f"p{i}@example.com") for i in range(5)]
    writes = WriteBehind(cache, window=0.5)

    async def a_run():  # answers arrive on the run's event loop
        with ResponseCache(cache.directory) as other:  # what another process sees
            started = time.monotonic()
            for key in keys:
                writes.add(VERIFY_EMAIL, key, {"answer": key})
            assert other.get_many(keys) == {} and len(writes) == 5
            while len(other.get_many(keys)) < 5:
                assert time.monotonic() - started < 5, "never committed"
                await asyncio.sleep(0.005)
            # one transaction, when the window (drawn between 60 % and all of it) ended
            assert 0.3 <= time.monotonic() - started < 1.5
        assert len(writes) == 0
        writes.close()

    asyncio.run(a_run())
    writes.add(VERIFY_EMAIL, keys[0], {"answer": "after close: at once"})
    assert cache.get(keys[0]) == {"answer": "after close: at once"}


def test_a_full_batch_is_committed_at_once_and_flush_commits_the_rest(cache):
    writes = WriteBehind(cache, window=60, max_rows=3)
    keys = [email_key(f"p{i}@example.com") for i in range(4)]

    async def a_run():
        for key in keys:
            writes.add(VERIFY_EMAIL, key, {"answer": 1})
        assert len(cache.get_many(keys)) == 3 and len(writes) == 1
        writes.flush()
        assert len(cache.get_many(keys)) == 4
        writes.close()

    asyncio.run(a_run())


def test_even_a_big_batch_is_committed_on_the_loop_thread_and_later_answers_land_last(cache):
    writes = WriteBehind(cache, window=60, max_rows=100)
    keys = [email_key(f"p{i}@example.com") for i in range(100)]

    async def a_run():
        threads = set(threading.enumerate())
        for key in keys:  # the hundredth fills the batch: committed at once, right here
            writes.add(VERIFY_EMAIL, key, {"answer": "first"})
        assert set(threading.enumerate()) == threads and len(writes) == 0
        assert len(cache.get_many(keys)) == 100
        writes.add(VERIFY_EMAIL, keys[0], {"answer": "again"})
        writes.flush()
        assert cache.get_many(keys[:2]) == {keys[0]: {"answer": "again"}, keys[1]: {"answer": "first"}}
        writes.close()

    asyncio.run(a_run())


def test_answers_queued_on_a_loop_thread_are_committed_by_a_flush_from_another(cache):
    from sr_frames.client.loop_thread import LoopThread

    writes = WriteBehind(cache, window=60)  # the window would end long after the test
    keys = [email_key(f"p{i}@example.com") for i in range(3)]
    loop = LoopThread().start()

    async def answers_arrive():
        for key in keys:
            writes.add(VERIFY_EMAIL, key, {"answer": key})

    try:
        loop.run(answers_arrive())
        assert cache.get_many(keys) == {} and len(writes) == 3
        writes.close()  # from this thread, as a run ends in a notebook
        assert len(cache.get_many(keys)) == 3
    finally:
        loop.stop()


def test_where_no_loop_runs_each_answer_is_committed_at_once(cache):
    writes = WriteBehind(cache, window=60)
    key = email_key("a@example.com")
    writes.add(VERIFY_EMAIL, key, {"answer": 1})
    assert cache.get(key) == {"answer": 1} and len(writes) == 0


def test_the_writer_culls_expired_rows_once_when_it_stops(cache):
    old = email_key("old@example.com")
    cache.set(VERIFY_EMAIL, old, {"answer": 1})
    cache._cache._sql("UPDATE Cache SET expire_time = 1 WHERE key = ?", (old,))
    writes = WriteBehind(cache, window=0.01)
    keys = [email_key(f"p{i}@example.com") for i in range(3)]
    for key in keys:
        writes.add(VERIFY_EMAIL, key, {"answer": key})
    writes.flush()
    assert len(cache._cache) == 4  # committed, and the expired row still there
    writes.close()
    assert len(cache._cache) == 3 and len(cache.get_many(keys)) == 3


KILLED_RUN = """
import sys
import pandas as pd
import sr_frames
sr_frames.configure(max_concurrency=4)
pd.DataFrame({"email": [f"person{i}@example.com" for i in range(2_000)]}).salesrocks.verify_emails(
    progress=False)
"""


def test_a_run_killed_outright_keeps_every_answer_older_than_the_write_window(sandbox):
    from sr_frames.cache.scope import cache_scope
    from sr_frames.defaults import CACHE_WRITE_WINDOW

    latency, slack = 0.02, 0.25  # slack: how late a busy machine may run the window's timer
    sandbox.configure(latency_ms=latency * 1000)
    running = subprocess.Popen([sys.executable, "-c", KILLED_RUN], env=os.environ.copy())
    try:
        deadline = time.monotonic() + 60
        while sandbox.count("verify_email") < 200:
            assert running.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        killed = time.monotonic()
        running.kill()
        running.wait(timeout=30)
    answered = [r["body"]["email"] for r in sandbox.requests("verify_email")
                if r["status"] == 200 and r["t"] + latency < killed - CACHE_WRITE_WINDOW - slack]
    keys = {email_key(e, cache_scope(sandbox.url)): e for e in answered}
    with ResponseCache() as cache:
        kept = cache.get_many(list(keys))
        total = cache.info().entries
    assert len(answered) >= 100
    assert sorted(keys[k] for k in kept) == sorted(answered), "an answer older than the window was lost"
    assert total <= sandbox.count("verify_email")


# failures degrade, once, and never give a wrong answer -------------------------------


def exercise_every_operation(cache):
    key = email_key("jane@example.com")
    cache.set(VERIFY_EMAIL, key, {"answer": 1})
    assert cache.get(key) is MISSING
    assert cache.get_many([key]) == {}
    assert cache.info().entries == 0
    assert cache.clear() == 0


def test_a_corrupt_database_is_a_cache_that_always_misses(tmp_path):
    (tmp_path / "cache.db").write_bytes(b"this is not an SQLite database" * 100)
    opening = pytest.warns(CacheWarning, match="failed while opening")
    with opening as caught, ResponseCache(tmp_path) as cache:
        exercise_every_operation(cache)
    assert len(caught) == 1


@pytest.mark.parametrize("where", ["is-a-file", "under-a-file"])
def test_an_unusable_directory_is_a_cache_that_always_misses(tmp_path, where):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    directory = a_file if where == "is-a-file" else a_file / "cache"
    opening = pytest.warns(CacheWarning, match="failed while opening")
    with opening as caught, ResponseCache(directory) as cache:
        exercise_every_operation(cache)
    assert len(caught) == 1
    assert a_file.read_text() == "not a directory"


def test_a_write_lock_held_elsewhere_skips_the_write_and_keeps_reads_right(tmp_path):
    kept, skipped = email_key("kept@example.com"), email_key("skipped@example.com")
    with ResponseCache(tmp_path, timeout=0.05) as cache:
        cache.set(VERIFY_EMAIL, kept, {"answer": "kept"})
        other = sqlite3.connect(tmp_path / "cache.db", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            with pytest.warns(CacheWarning, match="failed while writing") as caught:
                cache.set(VERIFY_EMAIL, skipped, {"answer": "skipped"})
                cache.set(VERIFY_EMAIL, skipped, {"answer": "skipped"})
                assert cache.clear() == 0
            assert len(caught) == 1
            assert cache.get_many([kept, skipped]) == {kept: {"answer": "kept"}}
        finally:
            other.close()
        cache.set(VERIFY_EMAIL, skipped, {"answer": "written later"})
        assert cache.get(skipped) == {"answer": "written later"}


# kept open between runs -------------------------------------------------------------

TWO_RUNS_THEN_EXIT = """
import pathlib, sys
from sr_frames.cache.store import ResponseCache
from sr_frames.endpoints import endpoint

directory, verifier = pathlib.Path(sys.argv[1]), endpoint("verify_email")
for email in ("jane@example.com", "john@example.com"):  # as two runs open and close it
    cache = ResponseCache(directory, keep_open=True)
    key = ResponseCache.key(verifier, {"email": email}, base_url="http://127.0.0.1:9")
    cache.write_rows([cache.row(verifier, key, {"answer": email})])
    cache.close()
    print(sorted(path.name for path in directory.iterdir()), flush=True)
"""


def test_runs_keep_the_database_open_and_the_process_closes_it_when_it_exits(tmp_path):
    directory = tmp_path / "responses"
    done = subprocess.run([sys.executable, "-c", TWO_RUNS_THEN_EXIT, str(directory)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    # between runs the connection stays open, so SQLite keeps its write-ahead log
    assert all("cache.db-wal" in line for line in done.stdout.splitlines())
    # at exit it is closed: the log folded into the database and removed
    assert sorted(path.name for path in directory.iterdir()) == ["cache.db"]
    scope = "http://127.0.0.1:9"  # the keys' scope: nothing is sent
    jane, john = email_key("jane@example.com", scope), email_key("john@example.com", scope)
    with ResponseCache(directory) as cache:
        assert cache.get_many([jane, john]) == {jane: {"answer": "jane@example.com"},
                                                john: {"answer": "john@example.com"}}


def test_a_kept_database_is_opened_anew_once_its_directory_is_deleted(tmp_path):
    directory = tmp_path / "responses"
    jane, john = email_key("jane@example.com"), email_key("john@example.com")
    first = ResponseCache(directory, keep_open=True)
    first.write_rows([first.row(VERIFY_EMAIL, jane, {"answer": "jane"})])
    first.close()
    shutil.rmtree(directory)  # the user clears the cache by hand between two runs
    again = ResponseCache(directory, keep_open=True)
    again.write_rows([again.row(VERIFY_EMAIL, john, {"answer": "john"})])
    again.close()
    with ResponseCache(directory) as cache:
        assert cache.get_many([jane, john]) == {john: {"answer": "john"}}, \
            "john's answer is in the new directory, not in the deleted file"


def test_a_forked_child_opens_the_database_itself(tmp_path):
    directory = tmp_path / "responses"
    jane, john = email_key("jane@example.com"), email_key("john@example.com")
    parent = ResponseCache(directory, keep_open=True)
    parent.write_rows([parent.row(VERIFY_EMAIL, jane, {"answer": "jane"})])
    pid = os.fork()
    if pid == 0:  # the child: a connection must not cross the fork
        code = 1
        try:
            child = ResponseCache(directory, keep_open=True)
            child.write_rows([child.row(VERIFY_EMAIL, john, {"answer": "john"})])
            code = 0 if child._cache is not parent._cache else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the child opened its own handle and wrote"
    assert parent.get_many([jane, john]) == {jane: {"answer": "jane"}, john: {"answer": "john"}}


def test_every_connection_folds_the_log_in_at_the_same_interval(tmp_path):
    with ResponseCache(tmp_path / "responses") as cache:
        here = cache._cache._con.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        elsewhere = []
        writer = threading.Thread(target=lambda: elsewhere.append(
            cache._cache._con.execute("PRAGMA wal_autocheckpoint").fetchone()[0]))
        writer.start()
        writer.join()
    assert here == elsewhere[0] == CACHE_CHECKPOINT_PAGES  # a writer thread's connection too
