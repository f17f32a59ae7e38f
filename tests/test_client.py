"""The client against the sandbox, over real HTTP on 127.0.0.1.

Each test reads as a usage example: make a client (credentials and base URL come
from the environment the ``sandbox`` fixture sets), call it, and check both what the
caller sees and what the sandbox received.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import inspect
import json
import logging
import random
import threading
import time
import traceback
import urllib.request

import pytest

import sr_frames
from sr_frames import config, defaults
from sr_frames.client.clients import AsyncClient, Client
from sr_frames.client.loop_thread import LoopThread
from sr_frames.client.retry import backoff_delay
from sr_frames.dask import shared_limit
from sr_frames.endpoints import BY_METHOD, ENDPOINTS, TOKEN
from sr_frames.errors import (
    AuthenticationError,
    BadRequestError,
    ConnectionDropped,
    MissingCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    RequestValidationError,
    SalesRocksError,
    ServerError,
)
from sr_frames.sandbox import answers

USERNAME = "analyst@example.com"  # what tests/conftest.py puts in the environment
PASSWORD = "correct horse battery staple"


def run(coro):
    return asyncio.run(coro)


class Sleeps:
    """A sleep for tests: records every backoff and waits at most 10 ms of it."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(min(seconds, 0.01))


def expected(method: str, **body):
    """What the sandbox answers for a read endpoint: its answer, or ``NotFoundError``."""
    try:
        return getattr(answers, method)(**body)
    except answers.NotFound:
        return NotFoundError


def call_or_error(method, **body):
    try:
        return method(**body)
    except NotFoundError:
        return NotFoundError


# -- one method per endpoint, from the table ---------------------------------------------

@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda ep: ep.method)
def test_every_endpoint_has_a_client_method(ep):
    for cls in (AsyncClient, Client):
        method = getattr(cls, ep.method, None)
        assert method is not None, f"{cls.__name__} lacks {ep.method}() for {ep.path}"
        if ep is TOKEN:
            continue
        params = list(inspect.signature(method).parameters.values())[1:]
        assert {p.name for p in params} == {f.keyword for f in ep.fields}
        for f in ep.fields:
            if f.default is not None:
                assert inspect.signature(method).parameters[f.keyword].default == f.default
        assert method.__doc__.startswith(ep.summary)
    assert inspect.iscoroutinefunction(getattr(AsyncClient, ep.method))


def test_methods_take_the_documented_keywords():
    assert str(inspect.signature(Client.get_lists)) == (
        "(self, page: int = 1, size: int = 100) -> list[typing.Any]")
    assert list(inspect.signature(Client.get_contact).parameters) == ["self", "contact_id"]
    assert list(inspect.signature(Client.find_email).parameters) == [
        "self", "first_name", "last_name", "company_domain"]


PURE_CALLS = {
    "verify_email": {"email": "jane.doe@example.com"},
    "verify_phones": {"phones": ["38922037347", "3897820b4075", "78418838"]},
    "email_patterns": {"domain": "sales.rocks"},
    "linkedin_contacts": {"domain": "sales.rocks"},
    "company_email": {"linkedin_handle": "acme-corporation"},
    "contact_emails": {"linkedin_handle": "acme-corporation"},
    "contact_email": {"linkedin_handle": "jane-doe-12345"},
    "find_email_by_company": {"first_name": "Jane", "last_name": "Doe", "company_name": "Acme"},
    "find_email": {"first_name": "Jane", "last_name": "Doe", "company_domain": "example.com"},
    "generate_emails": {"first_name": "John", "last_name": "Doe", "domain": "sales.rocks"},
    "campaign_statistics": {"campaign_id": 7},
}


def test_every_endpoint_round_trips_through_its_client_method(sandbox):
    used = set()
    with Client() as sr:

        def use(method_name):
            used.add(method_name)
            return getattr(sr, method_name)

        use("login")()
        for name, body in PURE_CALLS.items():
            assert call_or_error(use(name), **body) == expected(name, **body), name

        list_id = use("create_list")("Leads from the fair", permission="private")
        ids = use("add_to_list")(list_id, [{"name": "Jane", "email": "jane@example.com"},
                                           {"name": "John", "email": "john@example.com"}])
        contact_ids = [i["$oid"] for i in ids]
        assert [lst["uuid"] for lst in use("get_lists")()] == [list_id]
        assert [c["email"] for c in use("get_list_data")(list_id, page=1, size=10)] == [
            "jane@example.com", "john@example.com"]
        assert use("get_contact")(contact_ids[0])["name"] == "Jane"
        assert use("list_memberships")("jane@example.com")[0]["list_name"] == "Leads from the fair"
        assert use("update_list_data")([{"_id": contact_ids[0], "age": 31}]) == (
            "1 matched and 1 modified documents.")
        assert use("delete_list_data")(contact_ids[1:]) == "Successfully deleted 1 documents."

        connection = use("create_email_connection")(
            sender_name="Jane", email="jane@example.com", username="jane@example.com",
            secret="mailbox-password", smtp_host="smtp.example.com", smtp_port="465",
            smtp_encryption="ssl", permission="company", receiving_email="jane@example.com")
        assert connection["email"] == "jane@example.com"
        warmer = use("create_email_warmer")(
            connection_email="jane@example.com", ramp_up_increment=3, ramp_up_limit=10,
            start_date="2021-08-22 22:00:00", timezone="America/Regina (GMT-06:00)",
            mature=True, stop_on_limit_reach=False)
        assert warmer["ramp_up_limit"] == 10
        assert sr.stats.failures == 0
    assert used == set(BY_METHOD), f"not exercised: {sorted(set(BY_METHOD) - used)}"


def test_the_generic_call_takes_a_method_name_or_a_path(sandbox):
    async def main():
        async with AsyncClient() as sr:
            by_name = await sr.call("verify_email", {"email": "a.b@example.com"})
            by_path = await sr.call("/toolkit/emailVerifier", {"email": "a.b@example.com"})
            return by_name, by_path

    by_name, by_path = run(main())
    assert by_name == by_path == answers.verify_email("a.b@example.com")


def test_a_body_that_breaks_the_table_is_refused_before_sending(sandbox):
    with Client() as sr:
        with pytest.raises(RequestValidationError, match="'phones' must be a list"):
            sr.verify_phones("38922037347")
        with pytest.raises(RequestValidationError, match="has no field emial"):
            sr.call("verify_email", {"emial": "x@example.com"})
        with pytest.raises(RequestValidationError, match="'campaign_id' must be an integer"):
            sr.campaign_statistics("7")
        with pytest.raises(RequestValidationError, match="'data' holds a value that is not JSON"):
            sr.add_to_list("abc", [{"name": "Jane", "age": float("nan")}])
        with pytest.raises(RequestValidationError, match="'email' must not be empty"):
            sr.verify_email("  ")
    assert sandbox.stats()["total"] == 0


def test_answers_hold_each_repeated_word_once(sandbox):
    # ten thousand answers decoded one by one would otherwise hold ten thousand copies
    # of every key and of words like "Valid"
    with Client() as sr:
        first, second = sr.verify_email("ada@engines.io"), sr.verify_email("bob@engines.io")
    assert first["type"] == second["type"] == "Professional"
    assert first["type"] is second["type"]
    assert next(iter(first)) is next(iter(second))


def test_requests_and_logins_are_counted_apart(sandbox):
    with Client() as sr:
        sr.verify_email("jane@example.com")
        sr.verify_email("john@example.com")
        assert (sr.stats.requests, sr.stats.logins) == (2, 1)
        assert sr.account == USERNAME
    assert sandbox.stats()["total"] == 3


# -- authentication ----------------------------------------------------------------------

def test_a_hundred_concurrent_first_calls_make_exactly_one_login(sandbox):
    async def main():
        async with AsyncClient() as sr:
            return await asyncio.gather(*(sr.verify_email(f"user{i}@example.com")
                                          for i in range(100)))

    assert len(run(main())) == 100
    assert sandbox.stats()["logins"] == 1
    assert sandbox.count("login") == 1


def test_token_expiry_in_the_middle_of_a_run_costs_no_failed_call(sandbox):
    sandbox.configure(token_ttl=0.4)

    async def main():
        async with AsyncClient() as sr:
            for i in range(25):
                await sr.verify_email(f"user{i}@example.com")
                await asyncio.sleep(0.05)
            return sr.stats

    stats = run(main())
    assert stats.failures == 0
    assert stats.logins >= 3  # renewed before expiry, well inside the 1.25 s run


def test_a_401_refreshes_the_token_once_and_the_call_succeeds(sandbox):
    sandbox.add_fault("status", path="verify_email", status=401, times=1)
    with Client() as sr:
        assert sr.verify_email("jane@example.com")["email"] == "jane@example.com"
    assert sandbox.count("login") == 2
    assert sandbox.count("verify_email") == 2


def test_concurrent_401s_share_one_refresh(sandbox):
    async def main():
        async with AsyncClient() as sr:
            await sr.login()
            sandbox.add_fault("status", path="verify_email", status=401, times=10)
            await asyncio.gather(*(sr.verify_email(f"u{i}@example.com") for i in range(10)))
            return sr.stats

    stats = run(main())
    assert stats.failures == 0
    assert sandbox.count("login") == 2  # the first login and one refresh for all ten


def test_a_login_answered_500_or_dropped_is_retried(sandbox):
    sandbox.add_fault("status", path="login", status=502, times=1)
    sandbox.add_fault("drop", path="login", times=1)
    with Client(sleep=Sleeps()) as sr:
        sr.verify_email("jane@example.com")
        assert sr.stats.logins == 3
    assert sandbox.stats()["logins"] == 1


def test_a_wrong_password_fails_every_waiter_with_one_login(sandbox):
    sandbox.configure(password="the right one")

    async def main():
        async with AsyncClient() as sr:
            results = await asyncio.gather(*(sr.verify_email(f"u{i}@example.com")
                                             for i in range(20)), return_exceptions=True)
            with pytest.raises(AuthenticationError):
                await sr.verify_email("later@example.com")  # fails fast, no new login
            return results

    results = run(main())
    assert all(isinstance(r, AuthenticationError) for r in results)
    assert "Invalid username or password" in str(results[0])
    assert sandbox.count("login") == 1
    assert sandbox.count("verify_email") == 0


def test_login_is_an_explicit_pre_flight_check(sandbox):
    sandbox.configure(password="the right one")
    with Client() as sr, pytest.raises(AuthenticationError) as refused:
        sr.login()
    assert refused.value.status_code == 401
    assert sandbox.stats()["total"] == 1


def test_missing_credentials_name_the_variables_to_set(sandbox, monkeypatch):
    monkeypatch.delenv(defaults.ENV_USERNAME)
    monkeypatch.delenv(defaults.ENV_PASSWORD)
    with Client() as sr, pytest.raises(MissingCredentialsError) as missing:
        sr.verify_email("jane@example.com")
    for variable in ("SALESROCKS_USERNAME", "SALESROCKS_PASSWORD", "SALESROCKS_TOKEN"):
        assert variable in str(missing.value)
    assert sandbox.stats()["total"] == 0


def test_clients_with_the_same_credentials_share_one_login(sandbox):
    # each verb call without client= makes a client: the process logs in once for all
    for address in ["ada@engines.io", "bob@engines.io", "carl@engines.io"]:
        with Client() as sr:
            sr.verify_email(address)
    assert sandbox.count("login") == 1


def test_clients_starting_at_the_same_moment_wait_for_one_login(sandbox):
    # eight threads (a Dask worker's, say), each with its own client and event loop
    sandbox.configure(latency_ms=200)
    start = threading.Barrier(8)

    def verify(address):
        with Client() as sr:
            start.wait()
            return sr.verify_email(address)["email"]

    addresses = [f"user{i}@example.com" for i in range(8)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert list(pool.map(verify, addresses)) == addresses
    assert sandbox.count("login") == 1


def test_a_refused_login_is_shared_by_the_clients_waiting_for_it(sandbox):
    sandbox.configure(password="the right one", latency_ms=200)
    start = threading.Barrier(4)

    def verify(address):
        with Client() as sr:
            start.wait()
            with pytest.raises(AuthenticationError):
                sr.verify_email(address)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(verify, [f"user{i}@example.com" for i in range(4)]))
    assert sandbox.count("login") == 1
    assert sandbox.count("verify_email") == 0


def test_a_failing_login_fails_its_waiters_together(sandbox):
    sandbox.add_fault("status", path="login", status=503)  # the token endpoint is down
    start = threading.Barrier(4)

    def verify(address):
        with Client(max_retries=1) as sr:
            start.wait()
            with pytest.raises(ServerError):
                sr.verify_email(address)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(verify, [f"user{i}@example.com" for i in range(4)]))
    assert sandbox.count("login") == 2, "one login and its retry, not one per client"


def test_a_login_failed_by_one_clients_settings_does_not_fail_the_others(sandbox):
    # the first login takes 0.8 s: too long for an impatient client, not for the next
    sandbox.add_fault("latency", path="login", delay_s=0.8, times=1)
    outcome = {}

    def login(name, delay, **settings):
        time.sleep(delay)
        with Client(**settings) as sr:
            try:
                sr.login()
                outcome[name] = "logged in"
            except RequestTimeout:
                outcome[name] = "timed out"

    impatient = threading.Thread(target=login, args=("impatient", 0),
                                 kwargs={"timeout": 0.3, "max_retries": 0})
    patient = threading.Thread(target=login, args=("patient", 0.1), kwargs={"timeout": 10})
    for thread in (impatient, patient):
        thread.start()
    for thread in (impatient, patient):
        thread.join(20)
    assert outcome == {"impatient": "timed out", "patient": "logged in"}


def test_a_blocking_call_never_waits_for_a_login_on_the_loop_it_blocks(sandbox):
    # a notebook cell calling the blocking API while a task on its own loop logs in:
    # that login cannot finish until the call returns, so the call must not wait for it
    sandbox.add_fault("latency", path="login", delay_s=0.5)
    finished = []

    async def notebook_cell():
        async with AsyncClient() as background:
            login = asyncio.create_task(background.login())
            await asyncio.sleep(0.05)  # its login is on the wire
            with Client() as sr:  # blocks this loop until it returns
                sr.login()
                finished.append(True)
            await login

    cell = threading.Thread(target=asyncio.run, args=(notebook_cell(),), daemon=True)
    cell.start()
    cell.join(10)
    assert finished and not cell.is_alive()


def test_a_pause_beyond_the_ceiling_is_not_shared(sandbox, tmp_path):
    # the client told to wait too long fails fast; the others must not sleep it out
    sandbox.add_fault("status", path="verify_email", status=429, retry_after=8.0, times=1)

    def shared():  # what each Dask worker's client gets
        return shared_limit.SharedRateLimiter(None, tmp_path, "scope")

    async def main():
        told = AsyncClient(retry_after_ceiling=1, limiter=shared())
        other = AsyncClient(retry_after_ceiling=1, limiter=shared())
        async with told, other:
            with pytest.raises(RateLimitError):
                await told.verify_email("ada@engines.io")
            started = time.monotonic()
            await other.verify_email("bob@engines.io")
            return time.monotonic() - started

    assert asyncio.run(main()) < 1.0


def test_a_shared_login_serves_only_the_same_credentials(sandbox):
    sandbox.configure(password=PASSWORD)
    with Client() as sr:
        sr.login()
    with Client(username=USERNAME, password="not the password") as other, \
            pytest.raises(AuthenticationError):
        other.verify_email("ada@engines.io")
    assert sandbox.count("login") == 2
    assert sandbox.count("verify_email") == 0


def test_a_token_refused_with_401_is_replaced_for_every_client(sandbox):
    with Client() as first:
        first.login()
    sandbox.add_fault("status", path="verify_email", status=401, times=1)
    with Client() as second:
        assert second.verify_email("ada@engines.io")["email"] == "ada@engines.io"
    with Client() as third:
        third.verify_email("bob@engines.io")
    assert sandbox.count("login") == 2, "one refresh, then the new token is shared"


def test_forgotten_logins_are_made_again(sandbox):
    with Client() as sr:
        sr.login()
    sr_frames.forget_logins()
    with Client() as sr:
        sr.login()
    assert sandbox.count("login") == 2


def _token_from(sandbox) -> str:
    request = urllib.request.Request(
        sandbox.url + "/auth/accessToken", method="POST",
        data=json.dumps({"username": USERNAME, "password": "any password"}).encode(),
        headers={"Content-Type": "application/json"})
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with no_proxy.open(request) as response:
        return json.loads(response.read())["access_token"]


def test_a_static_token_is_used_as_is(sandbox, monkeypatch):
    token = _token_from(sandbox)
    monkeypatch.delenv(defaults.ENV_USERNAME)
    monkeypatch.delenv(defaults.ENV_PASSWORD)
    monkeypatch.setenv(defaults.ENV_TOKEN, token)
    with Client() as sr:
        assert sr.verify_email("jane@example.com")["email"] == "jane@example.com"
        assert sr.account == USERNAME  # the token's subject
    assert sandbox.count("login") == 1  # the one made above to get the token


def test_a_refused_static_token_is_final(sandbox):
    with Client(token="not-a-token") as sr:
        with pytest.raises(AuthenticationError, match="Invalid access token"):
            sr.verify_email("jane@example.com")
        with pytest.raises(AuthenticationError):
            sr.verify_email("john@example.com")
    assert sandbox.count("verify_email") == 1
    assert sandbox.count("login") == 0


# -- retries -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["status", "drop", "garbage"])
def test_transient_failures_are_retried_with_backoff(sandbox, kind):
    sandbox.add_fault(kind, path="verify_email", status=503, times=2)
    sleeps = Sleeps()
    with Client(sleep=sleeps, rng=random.Random(1)) as sr:
        assert sr.verify_email("jane@example.com") == answers.verify_email("jane@example.com")
        assert sr.stats.retries == 2
    pinned = random.Random(1)
    assert sleeps.delays == [backoff_delay(1, pinned), backoff_delay(2, pinned)]
    assert sandbox.count("verify_email") == 3


def test_retries_stop_after_max_retries(sandbox):
    sandbox.add_fault("status", path="verify_email", status=500)
    with Client(max_retries=2, sleep=Sleeps()) as sr, \
            pytest.raises(ServerError, match="Something went wrong on our end"):
        sr.verify_email("jane@example.com")
    assert sandbox.count("verify_email") == 3


def test_a_service_failing_everything_costs_few_requests_per_input(sandbox):
    async def main():
        async with AsyncClient(sleep=Sleeps()) as sr:
            await sr.login()
            sandbox.add_fault("status", status=500)
            return await asyncio.gather(*(sr.verify_email(f"u{i}@example.com")
                                          for i in range(200)), return_exceptions=True)

    results = run(main())
    assert all(isinstance(r, ServerError) for r in results)
    assert sandbox.count("verify_email") / 200 <= 1.5


@pytest.mark.parametrize(
    ("make_call", "error"),
    [(lambda sr: sr.get_lists(page=0), BadRequestError),
     (lambda sr: sr.campaign_statistics(10), NotFoundError)],
    ids=["400", "404"],
)
def test_client_errors_are_final_and_keep_the_service_message(sandbox, make_call, error):
    with Client() as sr, pytest.raises(error) as raised:
        make_call(sr)
    assert raised.value.message  # the service's own words
    assert sandbox.stats()["total"] == 2  # the login and one attempt


def test_403_is_final(sandbox):
    sandbox.add_fault("status", path="verify_email", status=403)
    with Client() as sr, pytest.raises(PermissionDeniedError):
        sr.verify_email("jane@example.com")
    assert sandbox.count("verify_email") == 1


# -- requests that change state -----------------------------------------------------------

def test_a_lost_answer_to_an_add_is_reported_not_repeated(sandbox):
    with Client(sleep=Sleeps()) as sr:
        list_id = sr.create_list("Leads")
        sandbox.add_fault("lost_answer", path="add_to_list", times=1)
        with pytest.raises(ConnectionDropped) as dropped:
            sr.add_to_list(list_id, [{"email": "jane@example.com"}])
        assert dropped.value.maybe_applied
        assert len(sr.get_list_data(list_id)) == 1  # it was applied once
    assert sandbox.count("add_to_list") == 1


def test_a_500_to_a_create_is_not_repeated(sandbox):
    sandbox.add_fault("status", path="create_list", status=500, times=1)
    with Client(sleep=Sleeps()) as sr, pytest.raises(ServerError):
        sr.create_list("Leads")
    assert sandbox.count("create_list") == 1


def test_a_429_to_a_create_is_retried(sandbox):
    sandbox.add_fault("status", path="create_list", status=429, retry_after=0.2, times=1)
    with Client() as sr:
        assert sr.create_list("Leads")
    assert sandbox.count("create_list") == 2


# -- rate limits ----------------------------------------------------------------------------

def test_a_429_pauses_the_whole_client_for_retry_after(sandbox):
    sandbox.add_fault("status", path="verify_email", status=429, retry_after=0.5, times=1)

    async def main():
        async with AsyncClient() as sr:
            await sr.login()
            first = asyncio.create_task(sr.verify_email("first@example.com"))
            await asyncio.sleep(0.1)  # its 429 has come back: the whole client is paused
            others = [sr.verify_email(f"u{i}@example.com") for i in range(10)]
            await asyncio.gather(first, *others)
            return sr.stats

    stats = run(main())
    assert (stats.rate_limited, stats.retries, stats.failures) == (1, 0, 0)
    received = sandbox.requests("verify_email")
    [limited] = [r for r in received if r["status"] == 429]
    assert all(r["t"] >= limited["t"] + 0.5 for r in received if r is not limited)
    assert sandbox.stats()["during_pause"] == 0


def test_a_retry_after_above_the_ceiling_raises_and_the_client_pauses_only_the_ceiling(sandbox):
    sandbox.add_fault("status", path="verify_email", status=429, retry_after=30, times=1)
    with Client(retry_after_ceiling=1) as sr:
        with pytest.raises(RateLimitError, match="above retry_after_ceiling") as limited:
            sr.verify_email("jane@example.com")
        assert limited.value.retry_after == 30
        started = time.monotonic()
        assert sr.verify_email("john@example.com")["email"] == "john@example.com"
        waited = time.monotonic() - started
    assert 0.5 < waited < 5, "the next call waits out the ceiling, not the 30 s asked"
    assert sandbox.count("verify_email") == 2


@pytest.mark.slow
def test_against_a_rate_limited_service_every_call_succeeds_and_none_is_sent_in_a_pause(sandbox):
    sandbox.configure(rate_limit=20)

    async def main():
        async with AsyncClient() as sr:
            results = await asyncio.gather(*(sr.verify_email(f"u{i}@example.com")
                                             for i in range(200)))
            return results, sr.stats

    results, stats = run(main())
    assert len(results) == 200
    assert stats.failures == 0 and stats.rate_limited > 0
    received = sandbox.stats()
    assert received["during_pause"] == 0
    assert received["rate_limited"] == stats.rate_limited


def test_our_own_rate_limit_spaces_attempts_evenly(sandbox):
    async def main():
        async with AsyncClient(rate_limit=40) as sr:
            await sr.login()
            await asyncio.gather(*(sr.verify_email(f"u{i}@example.com") for i in range(30)))

    run(main())
    arrivals = [r["t"] for r in sandbox.requests("verify_email")]
    assert max(arrivals) - min(arrivals) >= 29 / 40 * 0.9


# -- timeouts ----------------------------------------------------------------------------------

def test_a_hanging_service_fails_after_the_timeout_not_later(sandbox):
    sandbox.add_fault("hang", path="verify_email")
    with Client(timeout=0.5, max_retries=0) as sr:
        sr.login()
        started = time.monotonic()
        with pytest.raises(RequestTimeout) as timed_out:
            sr.verify_email("jane@example.com")
        assert 0.4 <= time.monotonic() - started < 1.5
    assert timed_out.value.__context__ is None  # aiohttp's exception is never chained


def test_a_dropped_connection_is_raised_without_aiohttps_exception(sandbox):
    sandbox.add_fault("drop", path="verify_email")
    with Client(max_retries=0) as sr, pytest.raises(ConnectionDropped) as dropped:
        sr.verify_email("jane@example.com")
    assert dropped.value.__context__ is None and dropped.value.__cause__ is None
    text = "".join(traceback.format_exception(dropped.value))
    assert "ServerDisconnectedError" not in text and "aiohttp/" not in text


def test_time_queued_behind_slow_requests_does_not_count_against_the_timeout(sandbox):
    sandbox.configure(latency_ms=300)

    async def main():
        async with AsyncClient(max_concurrency=2, timeout=0.8, max_retries=0) as sr:
            await sr.login()
            return await asyncio.gather(*(sr.verify_email(f"u{i}@example.com") for i in range(8)))

    assert len(run(main())) == 8  # four rounds of 0.3 s, far past 0.8 s in all


# -- sync use ----------------------------------------------------------------------------------

def test_the_sync_client_works_inside_a_running_event_loop(sandbox):
    async def notebook_cell():
        with Client() as sr:
            return sr.verify_email("jane@example.com")

    assert run(notebook_cell()) == answers.verify_email("jane@example.com")


def test_submit_runs_a_whole_batch_on_the_clients_loop(sandbox):
    async def batch(aclient: AsyncClient):
        return await asyncio.gather(*(aclient.verify_email(f"u{i}@example.com") for i in range(10)))

    with Client() as sr:
        assert len(sr.submit(batch).result(timeout=10)) == 10
        sr.verify_email("again@example.com")  # the same session, still open
        assert sr.stats.logins == 1


def test_a_loop_thread_cancels_what_still_runs_when_stopped():
    loop_thread = LoopThread().start()
    future = loop_thread.submit(asyncio.sleep(60))
    loop_thread.stop()
    assert future.cancelled()
    assert not loop_thread.running


def test_a_forgotten_client_is_closed_without_warnings(sandbox):
    sr = Client()
    sr.verify_email("jane@example.com")
    del sr
    gc.collect()


# -- secrets -----------------------------------------------------------------------------------

SENTINEL_PASSWORD = "sentinel-pw-4b1d"
SENTINEL_SECRET = "sentinel-mailbox-9c2e"
SENTINEL_TOKEN = "sentinel-token-7f3a"
JWT_PREFIX = "eyJ"  # every JWT starts with the base64 of '{"'


def _all_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + str(vars(error))


def test_no_secret_reaches_logs_reprs_vars_or_errors(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    sandbox.configure(password=SENTINEL_PASSWORD)
    config.configure(password=SENTINEL_PASSWORD)
    sandbox.add_fault("status", path="verify_email", status=500, times=1)
    sandbox.add_fault("status", path="email_patterns", status=429, retry_after=0.1, times=1)
    seen: list[str] = []
    with Client(sleep=Sleeps()) as sr:
        sr.verify_email("jane@example.com")
        call_or_error(sr.email_patterns, domain="example.com")
        sr.create_email_connection(
            sender_name="Jane", email="jane@example.com", username="jane@example.com",
            secret=SENTINEL_SECRET, smtp_host="smtp.example.com", smtp_port="465",
            smtp_encryption="ssl", permission="company", receiving_email="jane@example.com")
        for failing in (lambda: sr.campaign_statistics(10),
                        lambda: sr.get_lists(page=0),
                        lambda: sr.create_email_connection(
                            sender_name="J", email="j@example.com", username="j",
                            secret=SENTINEL_SECRET, smtp_host="h", smtp_port="1",
                            smtp_encryption="ssl", permission="nobody", receiving_email="j@x.io")):
            with pytest.raises(SalesRocksError) as caught:
                failing()
            seen.append(_all_text(caught.value))
        seen += [repr(sr), repr(sr.aclient), str(vars(sr)), str(vars(sr.aclient)),
                 str({k: vars(v) for k, v in vars(sr.aclient).items() if hasattr(v, "__dict__")})]
    with Client(token=SENTINEL_TOKEN) as with_token:
        with pytest.raises(AuthenticationError) as refused:
            with_token.verify_email("jane@example.com")
        seen += [_all_text(refused.value), repr(with_token), str(vars(with_token.aclient))]
    sandbox.configure(password="another")
    with Client(password=SENTINEL_PASSWORD + "x") as wrong, \
            pytest.raises(AuthenticationError) as refused:
        wrong.login()
    seen.append(_all_text(refused.value))
    records = caplog.records
    assert any(r.name == "sr_frames.client" for r in records)  # retries and pauses are logged
    seen += [logging.Formatter().format(r) + str(r.args) for r in records]
    everything = "\n".join(seen)
    for secret in (SENTINEL_PASSWORD, SENTINEL_SECRET, SENTINEL_TOKEN, JWT_PREFIX):
        assert secret not in everything
