"""The stateful limits of one client: retry budget, request budget, rate limiter, 429 gate.

Each takes its clock and sleep function as arguments, so it is tested without waiting:

- :class:`RetryBudget` stops retrying when most requests fail, so a broken service
  costs about 1.2 requests per input instead of ``1 + max_retries``.
- :class:`RequestBudget` is ``max_requests``: attempts beyond it are never sent.
- :class:`RateLimiter` spaces attempts evenly (``rate`` per second), shared by every
  task of one client.
- :class:`PauseGate` holds every request of one client while a 429's ``Retry-After``
  runs; waiting there never uses up a retry.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

from sr_frames.defaults import (
    RATE_LIMIT_LATE_WAKE_SLACK,
    RETRY_BUDGET_FLOOR,
    RETRY_BUDGET_RATIO,
    RETRY_BUDGET_WINDOW,
)

__all__ = ["PauseGate", "RateLimiter", "RequestBudget", "RetryBudget"]


Clock = Callable[[], float]


Sleep = Callable[[float], Awaitable[object]]


class RetryBudget:
    """Retries allowed over the last ``window`` seconds: ``floor + ratio * first attempts``.

    Call :meth:`record_first_attempt` once per request (not per attempt) and
    :meth:`try_spend` before each retry; it answers ``False`` once the budget is spent.
    The window keeps a long-lived client's past successes from paying for a retry
    storm when the service later fails. Counts are kept per tenth of the window, so a
    client that sends a million requests holds eleven counters, not a million times;
    ``clock`` is the client's.
    """

    BUCKETS = 10

    def __init__(self, floor: int = RETRY_BUDGET_FLOOR, ratio: float = RETRY_BUDGET_RATIO, *,
                 window: float = RETRY_BUDGET_WINDOW, clock: Clock = time.monotonic) -> None:
        self.floor, self.ratio, self.window, self._clock = floor, ratio, window, clock
        self._width = max(window, 1e-9) / self.BUCKETS
        self._counts: deque[list[int]] = deque()  # [bucket, first attempts, retries]

    def _current(self) -> list[int]:
        """The counters of the bucket ``now`` falls in, older buckets forgotten."""
        bucket = math.floor(self._clock() / self._width)
        if self._counts and bucket < self._counts[-1][0]:
            bucket = self._counts[-1][0]  # a clock that stepped back counts as now
        while self._counts and self._counts[0][0] <= bucket - self.BUCKETS:
            self._counts.popleft()
        if not self._counts or self._counts[-1][0] != bucket:
            self._counts.append([bucket, 0, 0])
        return self._counts[-1]

    def record_first_attempt(self) -> None:
        # most requests fall in the bucket of the one before: no clean-up to do then
        if self._counts:
            last = self._counts[-1]
            if math.floor(self._clock() / self._width) == last[0]:
                last[1] += 1
                return
        self._current()[1] += 1

    @property
    def allowed(self) -> float:
        self._current()
        return self.floor + self.ratio * sum(c[1] for c in self._counts)

    def try_spend(self) -> bool:
        """Take one retry from the budget if there is one left."""
        current = self._current()
        if sum(c[2] for c in self._counts) + 1 > self.allowed:
            return False
        current[2] += 1
        return True


class RequestBudget:
    """At most ``limit`` HTTP requests (retries included) for one run: ``max_requests``."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0

    def take(self) -> bool:
        """Count one request about to be sent; ``False`` when none is left."""
        if self.used >= self.limit:
            return False
        self.used += 1
        return True


class RateLimiter:
    """Spaces attempts ``1 / rate`` seconds apart, across every task that shares it.

    Callers take turns (one sleeps at a time, the others queue behind it in arrival
    order), and each turn is timed from the clock read when the one before it ended,
    not booked ahead: if the process stalls (a long computation, a swapped-out machine),
    the callers held up by it still leave ``1 / rate`` apart afterwards instead of all
    at once. A caller woken a little late (an event loop timer fires up to a
    millisecond or so after its time) does not push back the ones after it: only a
    lateness beyond ``RATE_LIMIT_LATE_WAKE_SLACK`` of an interval moves the cadence.
    """

    def __init__(self, rate: float, *, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be positive, got {rate!r}")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = -math.inf
        self._turns: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    def _turn(self) -> asyncio.Lock:
        """The lock callers queue on, one per event loop (a sync client may change loops)."""
        loop = asyncio.get_running_loop()
        if self._turns is None or self._turns[0] is not loop:
            self._turns = (loop, asyncio.Lock())
        return self._turns[1]

    async def wait(self) -> None:
        """Wait until this caller may send: ``1 / rate`` after the caller before it."""
        async with self._turn():
            now = self._clock()
            slot = max(self._next, now)
            if slot > now:
                await self._sleep(slot - now)
            woke = self._clock()
            self._next = max(slot + self.interval, woke + self.interval * (1 - RATE_LIMIT_LATE_WAKE_SLACK))

    async def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (a 429): the next turn is after the pause."""
        self._next = max(self._next, self._clock() + seconds)


class PauseGate:
    """Holds every request of a client until a pause (a 429's ``Retry-After``) ends."""

    def __init__(self, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._until = -math.inf

    def pause(self, seconds: float) -> None:
        """Close the gate for ``seconds`` from now; a longer pause already set is kept."""
        self._until = max(self._until, self._clock() + seconds)

    def remaining(self) -> float:
        """Seconds until the gate opens; ``0.0`` when open."""
        return max(0.0, self._until - self._clock())

    async def wait(self, ceiling: float = math.inf) -> float | None:
        """Wait until the gate is open and answer ``None``.

        If the pause still to run is longer than ``ceiling``, do not wait: answer that
        pause in seconds so the caller can fail the request instead.
        """
        while (left := self.remaining()) > 0:
            if left > ceiling:
                return left
            await self._sleep(left)
        return None
