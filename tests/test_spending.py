"""Spend nothing you don't have to: estimates, budgets and cache-only runs.

The sandbox counts every request it receives, so each promise here is checked against
what really went over the wire.
"""

import socket
from pathlib import Path

import pandas as pd

import sr_frames
from sr_frames.sandbox import start_sandbox

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "leads.csv"


def test_the_estimate_is_the_number_of_requests_the_run_sends(sandbox):
    leads = sr_frames.read_table(SAMPLE)

    before = leads.salesrocks.estimate("verify_emails", column="email")
    leads.salesrocks.verify_emails(progress=False)
    assert sandbox.count("verify_email") == before.requests
    assert before.rows == len(leads)
    assert before.cached == 0
    assert before.requests < before.distinct, "broken addresses are answered locally"

    after = leads.salesrocks.estimate("verify_emails")
    assert (after.requests, after.cached) == (0, before.requests)


def test_the_estimate_after_a_partial_run(sandbox):
    leads = sr_frames.read_table(SAMPLE)
    leads.head(100).salesrocks.verify_emails(progress=False)
    sent_first = sandbox.count("verify_email")

    estimate = leads.salesrocks.estimate("verify_emails")
    assert estimate.cached == sent_first
    leads.salesrocks.verify_emails(progress=False)
    assert sandbox.count("verify_email") - sent_first == estimate.requests


def test_estimates_count_batches_and_price_them(sandbox):
    sr_frames.configure(prices={"verify_phones": 0.5})
    phones = pd.DataFrame({"phone": [f"+44 20 7946 {i:04d}" for i in range(250)] + ["12ab34"]})
    estimate = phones.salesrocks.estimate("verify_phones")
    assert (estimate.requests, estimate.answered_locally) == (3, 1)
    assert estimate.cost == 1.5
    assert "3 requests to send, cost 1.50" in str(estimate)
    assert estimate.to_dict()["distinct"] == 251
    assert sandbox.count("verify_phones") == 0, "an estimate sends nothing"


def test_a_budget_stops_the_run_and_the_next_run_continues(sandbox):
    leads = pd.DataFrame({"email": [f"buyer{i}@example.com" for i in range(300)]})

    first = leads.salesrocks.verify_emails(max_requests=50, progress=False)
    assert sandbox.count("verify_email") == 50
    answered = first["email_status"].notna()
    assert answered[:50].all() and not answered[50:].any(), "stable order: the first 50 rows"
    assert first.loc[299, "email_error"] == "not sent: max_requests=50 reached; run again to continue"
    assert first.attrs["salesrocks"].unanswered == 250

    second = leads.salesrocks.verify_emails(progress=False)
    assert sandbox.count("verify_email") == 300, "exactly the other 250"
    assert second["email_status"].notna().all()


def test_cache_only_answers_offline_without_a_connection_attempt():
    leads = pd.DataFrame({"email": ["ada@engines.io", "alan@bletchley.uk", "grace@navy.mil"]})
    with start_sandbox(port=0) as online:  # the service, while it could be reached
        sr_frames.configure(base_url=online.url, cache_scope="the service")
        leads.head(2).salesrocks.verify_emails(progress=False)

    with socket.socket() as listener:  # a port that records any connection attempt
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        # the same service, now at an address where nothing answers
        sr_frames.configure(base_url=f"http://127.0.0.1:{listener.getsockname()[1]}",
                            cache_scope="the service")
        offline = leads.salesrocks.verify_emails(cache_only=True, progress=False)
        try:
            listener.accept()
            connected = True
        except BlockingIOError:
            connected = False
    assert not connected
    assert offline["email_status"][:2].notna().all()
    assert offline.loc[2, "email_error"].startswith("not in the cache and cache_only=True")
    assert offline.attrs["salesrocks"].requests_sent == 0
