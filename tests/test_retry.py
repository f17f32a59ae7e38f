"""Retry decisions, budget, rate limiter and pause gate, with a fake clock: no sleeping."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
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

async def _released(limiter, clock, callers):
    """The clock reading at which each of ``callers`` concurrent callers was let go."""
    times = []

    async def one():
        await limiter.wait()
        times.append(clock())

    await asyncio.gather(*(one() for _ in range(callers)))
    return times


def test_rate_limiter_spaces_attempts_evenly():
    clock = FakeTime()
    limiter = RateLimiter(20, clock=clock, sleep=clock.sleep)
    times = asyncio.run(_released(limiter, clock, 5))
    assert [t - times[0] for t in times] == pytest.approx([0.0, 0.05, 0.10, 0.15, 0.20])


def test_rate_limiter_does_not_bank_idle_time():
    clock = FakeTime()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    asyncio.run(limiter.wait())
    clock.now += 60
    start = clock.now
    times = asyncio.run(_released(limiter, clock, 2))
    assert [t - start for t in times] == pytest.approx([0.0, 0.1])


def test_rate_limiter_lets_each_caller_go_in_its_turn():
    clock = FakeTime()
    limiter = RateLimiter(4, clock=clock, sleep=clock.sleep)
    asyncio.run(_released(limiter, clock, 4))
    assert clock.slept == pytest.approx([0.25, 0.25, 0.25])


def test_a_slightly_late_wake_keeps_the_cadence():
    clock = FakeTime()

    async def late_sleep(seconds):  # every timer fires 1 ms after its time
        clock.now += seconds + 0.001

    limiter = RateLimiter(10, clock=clock, sleep=late_sleep)
    times = asyncio.run(_released(limiter, clock, 6))
    assert times[-1] - times[0] == pytest.approx(0.5 + 0.001), "late wakes did not add up"


def test_callers_held_up_by_a_stalled_process_still_leave_one_interval_apart():
    rate, callers = 100, 12

    async def main():
        limiter = RateLimiter(rate)
        released = []

        async def one():
            await limiter.wait()
            released.append(time.monotonic())

        async def stall():  # a blocking computation while the callers are waiting
            await asyncio.sleep(0.015)
            time.sleep(0.1)

        await asyncio.gather(stall(), *(one() for _ in range(callers)))
        return released

    released = asyncio.run(main())
    gaps = [b - a for a, b in itertools.pairwise(released)]
    assert min(gaps) >= (1 - defaults.RATE_LIMIT_LATE_WAKE_SLACK) / rate - 1e-4, gaps


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
