"""Retry decisions, budget, rate limiter and pause gate, with a fake clock: no sleeping."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from sr_frames import defaults
from sr_frames.client.limits import PauseGate, RateLimiter, RetryBudget
from sr_frames.client.retry import JITTER_SPREAD, backoff_delay, jitter, parse_retry_after, should_retry
from sr_frames.errors import (
    AuthenticationError,
    BadRequestError,
    ConnectError,
    ConnectionDropped,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    ServerError,
)


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class FixedRandom(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


# -- should_retry ----------------------------------------------------------------------

RETRIED_WHEN_IDEMPOTENT = [
    ServerError(500, "boom"),
    ServerError(503, "busy"),
    RequestTimeout("no answer"),
    ConnectionDropped("closed"),
    InvalidResponseError("not JSON"),
    ConnectError("refused"),
    RateLimitError(429, "slow down", retry_after=1.0),
]
FINAL = [
    BadRequestError(400, "bad"),
    AuthenticationError(401, "who?"),
    PermissionDeniedError(403, "no"),
    NotFoundError(404, "nothing"),
]


@pytest.mark.parametrize("error", RETRIED_WHEN_IDEMPOTENT, ids=lambda e: type(e).__name__)
def test_read_requests_are_retried_after_transient_failures(error):
    assert should_retry(error, mutates=False)


@pytest.mark.parametrize("error", FINAL, ids=lambda e: type(e).__name__)
def test_client_errors_are_final(error):
    assert not should_retry(error, mutates=False)
    assert not should_retry(error, mutates=True)


@pytest.mark.parametrize("error", [ConnectError("refused"), RateLimitError(429, "slow")],
                         ids=lambda e: type(e).__name__)
def test_state_changing_requests_are_resent_only_when_they_never_arrived(error):
    assert should_retry(error, mutates=True)


@pytest.mark.parametrize(
    "error",
    [ServerError(500, "boom"), RequestTimeout("t"), ConnectionDropped("d"), InvalidResponseError("x")],
    ids=lambda e: type(e).__name__,
)
def test_state_changing_requests_are_not_repeated_after_an_ambiguous_failure(error):
    assert not should_retry(error, mutates=True)


# -- parse_retry_after -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3.0), ("0", None), ("1.5", 1.5), (" 2 ", 2.0), ("-4", None), (None, None), ("", None),
     ("soon", None), ("nan", None)],
)
def test_retry_after_in_seconds(header, seconds):
    assert parse_retry_after(header) == seconds


def test_retry_after_as_an_http_date():
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()
    in_thirty = format_datetime(datetime(2026, 1, 2, 3, 4, 35, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(in_thirty, now=lambda: now) == pytest.approx(30.0)


def test_retry_after_date_in_the_past_means_an_ordinary_backoff():
    past = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert parse_retry_after(past, now=lambda: 2_000_000_000.0) is None


# -- backoff and jitter ------------------------------------------------------------------

def test_backoff_doubles_from_half_a_second_up_to_eight():
    no_jitter = FixedRandom(0.0)
    delays = [backoff_delay(n, no_jitter) for n in range(1, 8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert delays[0] == defaults.DEFAULT_BACKOFF_INITIAL
    assert delays[-1] == defaults.DEFAULT_BACKOFF_MAX


def test_jitter_shortens_by_at_most_a_quarter():
    assert jitter(4.0, FixedRandom(0.0)) == 4.0
    assert jitter(4.0, FixedRandom(0.999999)) == pytest.approx(4.0 * (1 - JITTER_SPREAD), rel=1e-5)
    rng = random.Random(7)
    for _ in range(200):
        assert 3.0 <= jitter(4.0, rng) <= 4.0


def test_a_seeded_rng_pins_the_delays():
    first = [backoff_delay(n, random.Random(42)) for n in (1, 2, 3)]
    again = [backoff_delay(n, random.Random(42)) for n in (1, 2, 3)]
    assert first == again


# -- retry budget ------------------------------------------------------------------------

def test_budget_allows_ten_retries_plus_a_fifth_of_first_attempts():
    budget = RetryBudget()
    for _ in range(100):
        budget.record_first_attempt()
    granted = 0
    while budget.try_spend():
        granted += 1
    assert granted == 10 + 20
    budget.record_first_attempt()
    budget.record_first_attempt()
    budget.record_first_attempt()
    budget.record_first_attempt()
    budget.record_first_attempt()
    assert budget.try_spend()  # five more first attempts earn one more retry
    assert not budget.try_spend()


def test_a_service_failing_everything_costs_about_one_point_two_requests_per_input():
    budget = RetryBudget()
    sent = 0
    for _ in range(1000):
        budget.record_first_attempt()
        sent += 1
        for _retry in range(defaults.DEFAULT_MAX_RETRIES):
            if not budget.try_spend():
                break
            sent += 1
    assert sent / 1000 <= 1.22


# -- rate limiter ------------------------------------------------------------------------

def test_rate_limiter_spaces_attempts_evenly():
    clock = FakeTime()
    limiter = RateLimiter(20, clock=clock, sleep=clock.sleep)
    waits = [limiter.reserve() for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.05, 0.10, 0.15, 0.20])


def test_rate_limiter_does_not_bank_idle_time():
    clock = FakeTime()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    assert limiter.reserve() == 0.0
    clock.now += 60
    assert limiter.reserve() == 0.0
    assert limiter.reserve() == pytest.approx(0.1)


def test_rate_limiter_shared_by_tasks():
    clock = FakeTime()
    waited = []

    async def record(seconds):  # all four tasks start at the same instant
        waited.append(seconds)

    limiter = RateLimiter(4, clock=clock, sleep=record)

    async def many():
        await asyncio.gather(*(limiter.wait() for _ in range(4)))

    asyncio.run(many())
    assert sorted(waited) == pytest.approx([0.25, 0.5, 0.75])


def test_rate_limiter_rejects_a_non_positive_rate():
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)


# -- pause gate ---------------------------------------------------------------------------

def test_gate_is_open_until_paused():
    clock = FakeTime()
    gate = PauseGate(clock=clock, sleep=clock.sleep)
    assert gate.remaining() == 0.0
    assert asyncio.run(gate.wait()) is None
    assert clock.slept == []


def test_gate_holds_until_the_pause_ends():
    clock = FakeTime()
    gate = PauseGate(clock=clock, sleep=clock.sleep)
    gate.pause(2.5)
    assert asyncio.run(gate.wait(ceiling=60)) is None
    assert clock.slept == [2.5]
    assert gate.remaining() == 0.0


def test_a_shorter_pause_never_cuts_a_longer_one():
    clock = FakeTime()
    gate = PauseGate(clock=clock, sleep=clock.sleep)
    gate.pause(5)
    gate.pause(1)
    assert gate.remaining() == 5


def test_gate_reports_a_pause_beyond_the_ceiling_instead_of_waiting():
    clock = FakeTime()
    gate = PauseGate(clock=clock, sleep=clock.sleep)
    gate.pause(120)
    assert asyncio.run(gate.wait(ceiling=60)) == 120
    assert clock.slept == []


def test_gate_waits_again_when_the_pause_is_extended_meanwhile():
    clock = FakeTime()

    async def sleep_and_extend(seconds):
        await clock.sleep(seconds)
        if len(clock.slept) == 1:
            gate.pause(1.0)  # another 429 arrived while we slept

    gate = PauseGate(clock=clock, sleep=sleep_and_extend)
    gate.pause(2.0)
    asyncio.run(gate.wait())
    assert clock.slept == [2.0, 1.0]
