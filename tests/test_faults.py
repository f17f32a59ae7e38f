"""A misbehaving service, over real HTTP: the sandbox injects the faults, the verbs
must lose no row, spend no more than a retry budget, and never wait past a timeout.

- random 500s, dropped connections, non-JSON answers and a token that keeps expiring;
- a service that answers 500 to everything;
- a service that accepts the connection and never answers.

Ctrl-C in the middle of a run (no request after the signal, exit within 2 s, answers
kept in the cache, no thread or session left behind) is
``test_ctrl_c_stops_sending_at_once_and_keeps_the_answers`` in ``tests/test_runs.py``,
next to the killed-kernel test; it is not repeated here.
"""

import asyncio
import time

import pandas as pd

import sr_frames

REASONS = ("server_error: ", "dropped: ", "invalid_response: ")


def leads(n, tag="lead"):
    return pd.DataFrame({"email": [f"{tag}{i}@example.com" for i in range(n)]},
                        index=pd.RangeIndex(1000, 1000 + n, name="row"))


def test_random_failures_and_an_expiring_token_lose_no_row(sandbox):
    sandbox.configure(token_ttl=2, latency_ms=40)  # 2,000 rows / 32 at a time: >= 2.5 s
    sandbox.add_fault("status", status=500, rate=0.05)
    sandbox.add_fault("drop", rate=0.02)
    sandbox.add_fault("garbage", rate=0.01)
    frame = leads(2_000)

    started = time.monotonic()
    checked = frame.salesrocks.verify_emails(progress=False)
    assert time.monotonic() - started > 2.5

    assert checked.index.equals(frame.index)
    answered = checked["email_status"].notna()
    failed = checked["email_error"].notna()
    assert (answered ^ failed).all(), "every row has an answer or an error, never both or none"
    assert answered.mean() >= 0.995
    assert checked.loc[failed, "email_error"].str.startswith(REASONS).all()
    report = checked.attrs["salesrocks"]
    assert report.answered + report.failed_total == 2_000
    assert report.retries > 0
    faults = {f["kind"]: f["fired"] for f in sandbox.faults()}
    assert faults["status"] > 0 and faults["drop"] > 0 and faults["garbage"] > 0
    assert sandbox.stats()["logins"] >= 2, "the token was renewed during the run"

    # failures are never cached: once the service is well, a re-run asks for those alone
    sandbox.clear_faults()
    before = sandbox.count("verify_email")
    again = frame.salesrocks.verify_emails(progress=False)
    assert again["email_status"].notna().all()
    assert sandbox.count("verify_email") - before == failed.sum()


def test_a_service_that_always_fails_costs_a_retry_budget_not_a_retry_storm(sandbox):
    sandbox.add_fault("status", path="verify_email", status=500)
    frame = leads(1_000)

    started = time.monotonic()
    checked = frame.salesrocks.verify_emails(progress=False)
    elapsed = time.monotonic() - started

    assert checked["email_status"].isna().all()
    assert checked["email_error"].str.startswith("server_error: ").all()
    assert checked.attrs["salesrocks"].failed == {"server_error": 1_000}
    assert sandbox.count("verify_email") <= 1.5 * 1_000
    assert elapsed < 8, "the longest backoff chain of one input is 0.5 + 1 + 2 s"


def test_a_request_that_never_answers_fails_at_the_timeout(sandbox):
    sr_frames.configure(timeout=1, max_concurrency=2)
    # the first four requests hang; two at a time, so rows wait about 2 s in our own queue
    sandbox.add_fault("hang", path="verify_email", times=4)
    frame = leads(40)

    with sr_frames.Client(max_retries=0) as client:
        started = time.monotonic()
        checked = frame.salesrocks.verify_emails(progress=False, client=client)
        elapsed = time.monotonic() - started

    hung = checked["email_error"].notna()
    assert hung.sum() == 4
    assert checked.loc[hung, "email_error"].str.startswith("timeout: ").all()
    assert checked.loc[~hung, "email_status"].notna().all(), "queued rows are not timed out"
    # each connection's next request left as soon as the hung one was given up: at 1 s
    arrivals = [r["t"] for r in sandbox.requests("verify_email")]
    assert 0.95 < arrivals[2] - arrivals[0] < 1.3
    assert 0.95 < arrivals[3] - arrivals[1] < 1.3
    assert 2.0 <= elapsed < 2.6


def test_a_hung_request_is_asked_again_and_the_run_completes(sandbox):
    sr_frames.configure(timeout=1, max_concurrency=2)
    sandbox.add_fault("hang", path="verify_email", times=2)
    frame = leads(40)

    started = time.monotonic()
    checked = frame.salesrocks.verify_emails(progress=False)
    elapsed = time.monotonic() - started

    assert checked["email_status"].notna().all()
    assert checked.attrs["salesrocks"].retries == 2
    assert sandbox.count("verify_email") == 42
    assert elapsed < 1 + 0.5 + 1.5, "one timeout, one backoff, then answered"


def test_calls_waiting_for_a_free_connection_are_not_timed_out(sandbox):
    sandbox.add_fault("hang", path="verify_email", times=4)
    emails = [f"lead{i}@example.com" for i in range(10)]

    async def verify_all():
        async with sr_frames.AsyncClient(max_concurrency=2, timeout=1, max_retries=0) as client:
            return await asyncio.gather(*(client.verify_email(e) for e in emails),
                                        return_exceptions=True)

    answers = asyncio.run(verify_all())
    assert [type(a) for a in answers[:4]] == [sr_frames.RequestTimeout] * 4
    assert all(isinstance(a, dict) for a in answers[4:]), "six calls queued 2 s, not failed"
