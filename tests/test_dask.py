"""``ddf.salesrocks`` on Dask: lazy, one request per distinct input across partitions,
one cache and one rate limit for the whole cluster, the pandas verbs' results row for row.

The cluster is two worker processes started with an environment that holds no
credentials, a cache directory of its own and an address where nothing listens: every
setting the workers use has to come with the tasks. They reach the in-process sandbox
over HTTP on 127.0.0.1.
"""

import os
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import warnings

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402

import sr_frames  # noqa: E402
from sr_frames import checks, config, defaults  # noqa: E402
from sr_frames.accessor import VERBS  # noqa: E402
from sr_frames.cache.store import CacheWarning  # noqa: E402
from sr_frames.dask import accessor as dask_accessor  # noqa: E402
from sr_frames.dask import shared_limit  # noqa: E402
from sr_frames.endpoints import endpoint  # noqa: E402
from sr_frames.enrich.plan import make_plan  # noqa: E402
from sr_frames.sandbox import sandbox_process  # noqa: E402

dask_accessor.register()

SENTINEL = "sentinel-password-3f9c1e"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKERS = 3
MESS = [" Alice@Example.COM ", "alice@example.com", "ALICE@EXAMPLE.COM", "no-at-sign",
        "also.no.at", 12345, None, np.nan, "", "   ", "bob@example.org"]


def lead_partition(number, rows, distinct):
    """Rows of partition ``number``: ``distinct`` addresses plus every kind of mess,
    under a shuffled, duplicated text index."""
    rng = random.Random(number)
    pool = [f"person{i}@company{i % 37}.com" for i in range(distinct)] + MESS
    values = [pool[(number * rows + i) % len(pool)] for i in range(rows)]
    rng.shuffle(values)
    index = [f"lead-{rng.randrange(rows)}" for _ in range(rows)]
    return pd.DataFrame({"email": values, "owner": [f"rep{i % 5}" for i in range(rows)]},
                        index=index)


def leads(partitions, rows, distinct):
    """A Dask frame built on the workers (no data in the graph) and its pandas twin."""
    ddf = dd.from_map(lead_partition, range(partitions), rows=rows, distinct=distinct)
    return ddf, ddf.compute()


def valid_addresses(values):
    texts = {checks.normalise("email", str(v)) for v in values if not pd.isna(v) and str(v).strip()}
    return {t for t in texts if checks.email_syntax_error(t) is None}


def _can_hide_directories(directory):
    """Whether this process may give a child a mount namespace with ``directory`` hidden."""
    try:
        done = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs none {directory}"],
                              capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler here and three worker processes as if on other machines: each in a
    mount namespace of its own with an empty tmpfs over every test's directories (so no
    worker can see the cache directory of this process), and an environment that holds
    no credentials, a cache directory of its own and an address where nothing listens:
    every setting the workers use has to come with the tasks. They reach the sandbox
    over HTTP on 127.0.0.1."""
    hidden = tmp_path_factory.getbasetemp()
    if shutil.which("unshare") is None or not _can_hide_directories(hidden):
        pytest.skip("needs `unshare -m` and tmpfs mounts (root, or a user namespace) to start "
                    "workers that cannot see this process's cache directory")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        local = distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                         silence_logs=40)
    env = {k: v for k, v in os.environ.items()
           if k not in (defaults.ENV_USERNAME, defaults.ENV_PASSWORD, defaults.ENV_TOKEN)}
    env.update({defaults.ENV_BASE_URL: "http://127.0.0.1:9",
                defaults.ENV_CACHE_DIR: str(hidden / "worker-cache"),
                "PYTHONPATH": os.pathsep.join([ROOT, os.path.dirname(__file__)])})
    scratch = tempfile.mkdtemp(prefix="sr-frames-dask-")  # Dask's own files, outside the tests'
    worker = (f"mount -t tmpfs none {hidden} && exec {sys.executable} -m distributed.cli.dask_worker"
              f" {local.scheduler_address} --nthreads 2 --no-nanny --no-dashboard"
              f" --local-directory {scratch}")
    log = open(tmp_path_factory.mktemp("logs") / "workers.log", "wb")  # noqa: SIM115
    workers = [subprocess.Popen(["unshare", "-m", "sh", "-c", worker], env=env, cwd="/",
                                stdout=subprocess.DEVNULL, stderr=log)
               for _ in range(WORKERS)]
    try:
        with distributed.Client(local) as client:
            client.wait_for_workers(WORKERS, timeout=60)
        yield local
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        local.close()
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="module")
def sandbox_apart_process():
    """The sandbox in a process of its own, for the tests that judge timing: it then logs
    when requests reached it, not when this busy process (scheduler, client) got round
    to reading them."""
    with sandbox_process() as control:
        yield control


@pytest.fixture
def sandbox_apart(sandbox_apart_process, monkeypatch):
    """A clean :func:`sandbox_apart_process` that the verbs of this test talk to."""
    sandbox_apart_process.reset()
    monkeypatch.setenv(defaults.ENV_BASE_URL, sandbox_apart_process.url)
    return sandbox_apart_process


@pytest.fixture
def dask_client(cluster):
    with distributed.Client(cluster) as client:
        yield client


def files_seen_by_workers(client, tmp_path_factory):
    """Every file under the test directories, as each worker sees them (its tmpfs)."""
    def walk(top):
        return sorted(os.path.join(d, f) for d, _, files in os.walk(top) for f in files)

    return client.run(walk, str(tmp_path_factory.getbasetemp()))


def busiest_second(arrivals):
    """The most requests the sandbox received in any one-second window."""
    times = sorted(arrivals)
    return max((int(np.searchsorted(times, t + 1.0) - i) for i, t in enumerate(times)), default=0)


def test_building_sends_nothing_computing_sends_each_distinct_address_once(
        sandbox, dask_client, tmp_path_factory):
    ddf, frame = leads(partitions=12, rows=4_000, distinct=1_200)
    assert (len(frame), ddf.npartitions) == (48_000, 12)

    checked = ddf.salesrocks.verify_emails()
    assert sandbox.stats()["total"] == 0, "building the graph sends nothing, not even a login"
    assert list(checked.columns) == ["email", "owner", *endpoint("verify_email").result_columns()]
    assert not checked["email_status"].cat.known, "a label's categories are known once computed"

    result = checked.compute()
    valid = valid_addresses(frame["email"])
    received = [r["body"]["email"] for r in sandbox.requests("verify_email")]
    assert sorted(received) == sorted(valid), "each distinct valid address exactly once"

    again = ddf.salesrocks.verify_emails().compute()
    assert sandbox.count("verify_email") == len(valid), "a re-run sends nothing"
    pd.testing.assert_frame_equal(again, result)
    records = again["email_mx_records"].dropna()
    assert len(records) and all(type(r) is list for r in records), "lists, as JSON gives them"

    expected = frame.salesrocks.verify_emails(progress=False)
    assert sandbox.count("verify_email") == len(valid), "the answers are in this process's cache"
    pd.testing.assert_frame_equal(result, expected)
    seen = files_seen_by_workers(dask_client, tmp_path_factory)
    assert seen and all(files == [] for files in seen.values()), "no worker writes any cache file"


def test_every_verb_gives_the_pandas_result_and_dtypes(sandbox):
    frame = pd.DataFrame({
        "email": ["ada@acme.com", " ADA@acme.com", None, "broken", "bob@example.org", "eve@gmail.com"],
        "phone": ["020 7946 0958", "+44 20 7946 0958", None, "abc", "+1 415 555 0132", "38922037347"],
        "first_name": ["Ada", "ada", "Bob", None, "Eve", "Zoë"],
        "last_name": ["Love", "Love", "Smith", "X", "Ng", "Núñez"],
        "domain": ["acme.com", "ACME.com", "bad domain", None, "example.org", "umbrella.eu"],
        "company": ["Acme", "acme", None, "Initech", "Umbrella", "Globex"],
        "company_linkedin": ["acme", "https://www.linkedin.com/company/acme/", None, "initech",
                             "umbrella", "globex"],
        "linkedin": ["jane-doe", "https://www.linkedin.com/in/jane-doe/", None, "john", "eve-ng", "zoe"],
    }, index=[5, 3, 5, 1, 0, 2])
    ddf = dd.from_pandas(frame, npartitions=3, sort=False)
    frame = ddf.compute()  # the data as Dask holds it (text columns in its string dtype)
    calls = {verb: {} for verb in VERBS}
    calls["verify_phones"] = {"region": "GB"}
    calls["find_email"] = {"company": "company"}
    calls["generate_emails"] = {"use_service": True}
    with dask.config.set(scheduler="threads"):
        for verb, arguments in calls.items():
            # each run asks afresh, so both see the same answers from the sandbox
            expected = getattr(frame.salesrocks, verb)(progress=False, cache=False, **arguments)
            result = getattr(ddf.salesrocks, verb)(cache=False, **arguments).compute()
            pd.testing.assert_frame_equal(result, expected, obj=verb)


def test_index_divisions_and_prefix_are_kept(sandbox):
    emails = [f"user{i % 7}@example.com" for i in range(39)] + [None]
    frame = pd.DataFrame({"email": emails}, index=pd.RangeIndex(100, 140))
    ddf = dd.from_pandas(frame, npartitions=4)
    frame = ddf.compute()
    checked = ddf.salesrocks.verify_emails(prefix="v_")
    assert checked.divisions == ddf.divisions
    with dask.config.set(scheduler="threads"):
        result = checked.compute()
    pd.testing.assert_frame_equal(result, frame.salesrocks.verify_emails(prefix="v_", progress=False))
    assert sandbox.count("verify_email") == 7


def test_empty_partitions_give_what_pandas_gives(sandbox):
    frame = pd.DataFrame({"email": ["ada@engines.io", None, "bob@gmail.com", "ada@engines.io"]})
    ddf = dd.from_pandas(frame, npartitions=2)
    nothing = ddf[ddf["email"] == "nobody@example.com"]  # every partition empty
    some = ddf[ddf["email"] == "bob@gmail.com"]  # the first partition empty
    with dask.config.set(scheduler="threads"):
        for part in (nothing, some):
            data = part.compute()
            expected = data.salesrocks.verify_emails(progress=False)
            result = part.salesrocks.verify_emails().compute()
            pd.testing.assert_frame_equal(result, expected)


def test_the_rate_limit_is_one_limit_for_the_whole_cluster(sandbox_apart, dask_client):
    sandbox = sandbox_apart
    sandbox.configure(rate_limit=25)
    sr_frames.configure(rate_limit=25)
    ddf, frame = leads(partitions=12, rows=300, distinct=160)

    result = ddf.salesrocks.verify_emails().compute()

    sent = [r["t"] for r in sandbox.requests("verify_email")]
    assert len(sent) == len(valid_addresses(frame["email"]))
    assert busiest_second(sent) <= 26, "three workers together keep to 25 requests a second"
    assert max(sent) - min(sent) >= (len(sent) - 26) / 25
    assert sandbox.stats()["rate_limited"] == 0
    assert result["email_status"].notna().sum() == frame["email"].map(
        lambda v: not pd.isna(v) and bool(str(v).strip())).sum(), "no row fails"
    assert result["email_error"].dropna().eq("missing value in 'email'").all()


def test_credentials_travel_with_the_tasks_but_never_show(sandbox, dask_client, monkeypatch):
    sandbox.configure(password=SENTINEL)
    monkeypatch.setenv(defaults.ENV_PASSWORD, SENTINEL)
    ddf, _ = leads(partitions=4, rows=200, distinct=30)

    checked = ddf.salesrocks.verify_emails()
    graph = checked.__dask_graph__()
    shown = "\n".join([*shown_texts(dict(graph)), str(list(graph)), repr(checked.expr)])
    assert SENTINEL not in shown
    assert "WorkerSettings(" in shown, "the settings are in the graph, masked"

    result = checked.compute()
    assert result["email_status"].notna().any(), "the workers logged in with the password"
    logs = [str(dask_client.get_worker_logs()), str(dask_client.get_scheduler_logs())]
    assert not any(SENTINEL in text for text in logs)
    assert SENTINEL not in repr(dask_accessor.WorkerSettings.resolve())

    monkeypatch.setenv(defaults.ENV_PASSWORD, "another password")
    assert ddf.salesrocks.verify_emails()._name != checked._name, (
        "Dask reuses a graph by name: new credentials must make a new one")


def test_every_setting_travels_with_the_tasks(sandbox, dask_client):
    # the workers have none of this process's settings: a cache scope of its own...
    sr_frames.configure(cache_scope="our own scope")
    ddf, frame = leads(partitions=4, rows=120, distinct=40)
    here = frame.salesrocks.verify_emails(progress=False)
    paid = sandbox.count("verify_email")
    checked = ddf.salesrocks.verify_emails().compute()
    assert sandbox.count("verify_email") == paid, "the workers' keys are under the same scope"
    assert checked["email_status"].notna().sum() == here["email_status"].notna().sum() > 0

    # ...and a cap on answers: the login's answer (244 bytes) is under it, an answer
    # that an address is valid (330 bytes and more) over it, so such rows say so
    sr_frames.configure(max_answer_bytes=300)
    refused = ddf.salesrocks.verify_emails(cache=False).compute()
    valid_here = here["email_status"] == "Valid"
    assert valid_here.any() and not (refused["email_status"] == "Valid").any()
    assert refused.loc[valid_here, "email_error"].str.contains("max_answer_bytes=300").all()


def test_a_ca_bundle_travels_only_when_given_to_the_library(monkeypatch):
    for name in (defaults.ENV_CA_BUNDLE, *defaults.CA_BUNDLE_FALLBACKS):
        monkeypatch.delenv(name, raising=False)
    # this machine's own CA file (a conda install sets one) is no path on a worker
    monkeypatch.setenv("SSL_CERT_FILE", "/home/me/miniconda3/ssl/cacert.pem")
    assert dask_accessor.WorkerSettings.resolve().ca_bundle is None
    monkeypatch.setenv(defaults.ENV_CA_BUNDLE, "/etc/company/ca.pem")
    assert dask_accessor.WorkerSettings.resolve().ca_bundle == "/etc/company/ca.pem"
    sr_frames.configure(ca_bundle="/opt/ca.pem")
    assert dask_accessor.WorkerSettings.resolve().ca_bundle == "/opt/ca.pem"


def test_the_settings_a_task_brought_are_its_own():
    # two tasks in one worker run in two threads: each sees what came with it, no more
    seen = {}
    with config.carried(config.Settings(cache_scope="brought", max_answer_bytes=1_000)):
        other = threading.Thread(target=lambda: seen.update(other=config.settings().cache_scope))
        other.start()
        other.join()
        seen["own"] = config.settings().cache_scope
        seen["argument wins"] = config.settings(max_answer_bytes=5).max_answer_bytes
    assert seen == {"own": "brought", "other": None, "argument wins": 5}
    assert config.settings().cache_scope is None


def test_max_requests_is_one_budget_for_the_whole_computation(sandbox, dask_client):
    ddf, frame = leads(partitions=12, rows=100, distinct=90)
    valid = valid_addresses(frame["email"])

    first = ddf.salesrocks.verify_emails(max_requests=25).compute()
    assert sandbox.count("verify_email") == 25, "exactly the budget, across three workers"
    left = first["email_error"].fillna("").str.startswith("not sent: max_requests=25")
    assert left.any()

    ddf.salesrocks.verify_emails(max_requests=25).compute()
    assert sandbox.count("verify_email") == 50, "a second run continues: answers are cached"
    again = ddf.salesrocks.verify_emails(max_requests=len(valid)).compute()
    assert sandbox.count("verify_email") == len(valid)
    assert not again["email_error"].fillna("").str.startswith("not sent").any()


def test_on_one_machine_the_limits_stay_in_the_cache_directory(sandbox, dask_client):
    ddf, _ = leads(partitions=6, rows=50, distinct=40)
    with dask.config.set(scheduler="threads"):  # chosen over the distributed client
        ddf.salesrocks.verify_emails(max_requests=7).compute()
    assert sandbox.count("verify_email") == 7
    cache_dir = sr_frames.config.settings().resolved_cache_dir
    assert (cache_dir / shared_limit.SHARED_SUBDIR / "limits.db").is_file()


def test_arguments_are_checked_when_the_graph_is_built():
    ddf = dd.from_pandas(pd.DataFrame({"email": ["a@example.com"]}), npartitions=1)
    with pytest.raises(KeyError, match="'mail'"):
        ddf.salesrocks.verify_emails("mail")
    with pytest.raises(TypeError, match="client="):
        ddf.salesrocks.verify_emails(client=sr_frames.Client())
    with pytest.raises(TypeError, match="unknown option"):
        ddf.salesrocks.verify_emails(colour="red")
    assert set(VERBS) <= set(dir(ddf.salesrocks))


def test_keys_group_rows_exactly_as_the_pandas_plan_does():
    frame = lead_partition(3, rows=2_000, distinct=50)
    ep = endpoint("verify_email")
    plan = make_plan(ep, {"email": frame["email"]})
    keys = dask_accessor.row_keys(frame, [("email", "email", None)])
    codes, _ = pd.factorize(keys)
    pairs = set(zip(plan.row_slot.tolist(), codes.tolist(), strict=True))
    assert len(pairs) == len(set(plan.row_slot.tolist())) == len(set(codes.tolist()))


def test_the_shared_rate_limiter_spaces_every_process_on_one_schedule(tmp_path):
    now = [100.0]
    first = shared_limit.SharedRateLimiter(10, tmp_path, "scope", clock=lambda: now[0])
    second = shared_limit.SharedRateLimiter(10, tmp_path, "scope", clock=lambda: now[0])
    other = shared_limit.SharedRateLimiter(10, tmp_path, "elsewhere", clock=lambda: now[0])
    waits = [first.reserve(), second.reserve(), first.reserve(), other.reserve()]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.0])
    now[0] += 5
    assert second.reserve() == 0.0
    for limiter in (first, second, other):
        limiter.close()


def test_a_429_pause_holds_back_every_process(tmp_path):
    now = [100.0]
    paced = shared_limit.SharedRateLimiter(10, tmp_path, "scope", clock=lambda: now[0])
    unpaced = shared_limit.SharedRateLimiter(None, tmp_path, "scope", clock=lambda: now[0])
    other = shared_limit.SharedRateLimiter(None, tmp_path, "elsewhere", clock=lambda: now[0])
    unpaced.hold(2.0)  # one process was told Retry-After: 2
    assert paced.reserve() == pytest.approx(2.0), "the next slot is after the pause"
    assert paced.reserve() == pytest.approx(2.1)
    assert unpaced.reserve() == pytest.approx(2.0)
    assert other.reserve() == 0.0
    now[0] += 3
    assert unpaced.reserve() == 0.0
    unpaced.hold(2 * 3600)  # a daily quota: held for at most an hour, and shorter pauses still count
    unpaced.hold(30)
    assert unpaced.reserve() == pytest.approx(3600)
    for limiter in (paced, unpaced, other):
        limiter.close()


def test_a_429_to_one_worker_pauses_them_all(sandbox_apart, dask_client):
    sandbox = sandbox_apart
    sandbox.configure(latency_ms=20)
    sandbox.add_fault("status", path="verify_email", status=429, retry_after=1.0, times=1)
    ddf, frame = leads(partitions=12, rows=1_000, distinct=900)
    # a limit as a user sets one: the workers' turns then queue at the coordinator
    # rather than flood it, so the pause reaches it at once on a busy machine too
    sr_frames.configure(rate_limit=150)

    result = ddf.salesrocks.verify_emails().compute()

    stats = sandbox.stats()
    assert stats["rate_limited"] == 1
    assert not result["email_error"].fillna("").str.contains("rate_limited").any()
    assert sandbox.count("verify_email") == len(valid_addresses(frame["email"])) + 1
    (told, _), = stats["pauses"]
    after = [r for r in sandbox.requests("verify_email") if r["t"] > told + 1.0]
    assert after, "sending resumed once the pause was over"
    # only requests already on their way when the 429 was answered arrive during it
    # (without the shared pause, the other workers would send a hundred meanwhile)
    assert stats["during_pause"] == 0, stats


def test_a_shared_budget_is_never_overspent(tmp_path):
    grants = [shared_limit.take_budget(tmp_path, "run-1", 25, wanted) for wanted in (10, 10, 10, 10)]
    assert grants == [10, 10, 5, 0]
    assert shared_limit.take_budget(tmp_path, "run-2", 25, 30) == 25


def test_a_broken_store_falls_back_to_this_process(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    limiter = shared_limit.SharedRateLimiter(10, blocked, "scope", clock=lambda: 0.0)
    with pytest.warns(CacheWarning, match="only its own"):
        assert limiter.reserve() == 0.0
    assert limiter.reserve() == pytest.approx(0.1)
    with pytest.warns(CacheWarning, match="budget"):
        assert shared_limit.take_budget(blocked, "run", 10, 5) == 0


def shown_texts(node):
    """The repr of everything in a graph: its tasks, their arguments, all the way down."""
    if isinstance(node, dict):
        return [t for k, v in node.items() for t in (repr(k), *shown_texts(v))]
    if isinstance(node, list | tuple):
        return [t for item in node for t in shown_texts(item)]
    inner = [getattr(node, name, ()) for name in ("args", "kwargs", "value")]
    inner = [i for i in inner if isinstance(i, dict | list | tuple) or hasattr(i, "__dask_tokenize__")]
    return [repr(node), *(t for i in inner for t in shown_texts(i))]


def _python(code, **env):
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **env})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_without_dask_the_library_imports_and_the_pandas_verbs_pass():
    here = os.path.dirname(__file__)
    out = _python(f"""
        import sys
        sys.modules["dask"] = None  # as if Dask were not installed
        import pytest
        import sr_frames
        from sr_frames.dask import accessor as dask_accessor
        assert dask_accessor.register() is False
        from sr_frames.dask.on_import import register_on_import
        register_on_import()
        sys.exit(pytest.main([{os.path.join(here, "test_verbs.py")!r}, {__file__!r}, "-q",
                              "-p", "no:cacheprovider"]))
    """)
    assert " passed, 1 skipped" in out and "failed" not in out, out


def test_the_accessor_appears_when_dask_is_imported_after_sr_frames():
    out = _python("""
        import sys
        import sr_frames
        from sr_frames.dask import accessor as dask_accessor
        from sr_frames.dask.on_import import register_on_import
        register_on_import()
        assert not any(m == "dask" or m.startswith("dask.") for m in sys.modules)
        import pandas as pd
        import dask.dataframe as dd
        ddf = dd.from_pandas(pd.DataFrame({"email": ["a@b.co"]}), npartitions=1)
        print(type(ddf.salesrocks).__name__, dask_accessor.register())
    """)
    assert out.strip() == "DaskSalesRocksAccessor True"

