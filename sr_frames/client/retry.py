"""Retry decisions, the retry budget, the rate limiter and the pause gate.

The decisions are tiny pure functions so that they can be tested without a network,
a clock or a sleep: :func:`should_retry` (may this failure be sent again?),
:func:`parse_retry_after` (how long a 429 asks us to wait) and :func:`backoff_delay`
(how long to wait before retry number *n*, with the jitter drawn from an injected
``random.Random`` by :func:`jitter`).

The stateful helpers take their clock and sleep function as arguments too:

- :class:`RetryBudget` stops retrying when most requests fail, so a broken service
  costs about 1.2 requests per input instead of ``1 + max_retries``.
- :class:`RateLimiter` spaces attempts evenly (``rate`` per second), shared by every
  task of one client.
- :class:`PauseGate` holds every request of one client while a 429's ``Retry-After``
  runs; waiting there never uses up a retry.
"""

from __future__ import annotations

import email.utils
import math
import random
import time

from sr_frames.client.limits import Clock
from sr_frames.defaults import (
    DEFAULT_BACKOFF_INITIAL,
    DEFAULT_BACKOFF_MAX,
    JITTER_SPREAD,
    RETRY_BUDGET_FLOOR,
    RETRY_BUDGET_RATIO,
)
from sr_frames.errors import (
    AnswerTooLarge,
    CertificateError,
    ConnectError,
    InvalidResponseError,
    RateLimitError,
    RedirectRefused,
    ServerError,
    TransportError,
)

__all__ = [
    "JITTER_SPREAD",
    "NEVER_RETRIED",
    "RETRY_BUDGET_FLOOR",
    "RETRY_BUDGET_RATIO",
    "backoff_delay",
    "jitter",
    "parse_retry_after",
    "should_retry",
]



NEVER_RETRIED = (RedirectRefused, AnswerTooLarge, CertificateError)
"""Failures that come back the same every time: a redirect, an answer over the cap, a
certificate that does not verify."""


def should_retry(error: BaseException, *, mutates: bool = False) -> bool:
    """Whether a failed attempt may be sent again.

    Idempotent requests are retried after 5xx, timeouts, dropped connections and
    answers that are not JSON or not the documented shape. A request that changes
    state (``mutates``) is retried only when it certainly never reached the service:
    connection refused or a 429. 400/401/403/404 are never retried here (a 401 is
    handled by the token refresh, not by retries), nor is anything in
    :data:`NEVER_RETRIED`.
    """
    if isinstance(error, NEVER_RETRIED):
        return False
    if isinstance(error, ConnectError | RateLimitError):
        return True
    if mutates:
        return False
    return isinstance(error, ServerError | TransportError | InvalidResponseError)


def parse_retry_after(value: str | None, *, now: Clock = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header, or ``None`` when it gives no usable
    wait: absent, unreadable, zero, negative, NaN or a date in the past (the caller then
    backs off as for any retry, so a server answering ``-30`` forever cannot make a
    zero-wait loop).

    Accepts integer or fractional seconds and HTTP-dates (measured against ``now``, a
    wall clock). Infinity is kept: it exceeds any ceiling.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds: float | None = float(text)
    except ValueError:
        seconds = _seconds_until_http_date(text, now)
    if seconds is None or math.isnan(seconds) or seconds <= 0:
        return None
    return seconds


def _seconds_until_http_date(text: str, now: Clock) -> float | None:
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment.timestamp() - now()


def jitter(delay: float, rng: random.Random) -> float:
    """``delay`` shortened by a random fraction up to :data:`JITTER_SPREAD`.

    Isolated so that tests can pin it with a seeded ``random.Random``.
    """
    return delay * (1.0 - JITTER_SPREAD * rng.random())


def backoff_delay(
    retry: int,
    rng: random.Random,
    *,
    initial: float = DEFAULT_BACKOFF_INITIAL,
    maximum: float = DEFAULT_BACKOFF_MAX,
) -> float:
    """Seconds to wait before retry number ``retry`` (1 for the first retry).

    Exponential: ``initial`` doubling per retry up to ``maximum``, then jittered.
    """
    base = min(maximum, initial * 2.0 ** max(0, retry - 1))
    return jitter(base, rng)









