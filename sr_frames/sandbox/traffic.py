"""What the sandbox received, and the rate limit it enforces.

:class:`Traffic` keeps the ordered log of API requests (bodies with secrets masked)
and the counters the control plane reports. :class:`RateLimiter` is a token bucket:
``rate`` requests per second with a burst of one second's worth. Every 429 sent opens
a *pause window* (from the moment it is sent until its ``Retry-After`` has passed); a
request arriving inside a window more than :data:`PAUSE_GRACE` seconds after the 429
is counted in ``during_pause``: a client that honours ``Retry-After`` keeps that at 0,
while requests already in flight when the 429 went out are not held against it.

Times are ``time.monotonic()`` seconds, passed in by the caller.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from typing import Any

__all__ = ["MASK", "PAUSE_GRACE", "RateLimiter", "Traffic", "mask_secrets", "retry_after_header"]

MASK = "********"
PAUSE_GRACE = 0.1
LOG_LIMIT = 200_000
"""Oldest log entries are forgotten past this many (the counters keep counting)."""


def retry_after_header(seconds: float) -> str:
    """``Retry-After`` as whole seconds, at least 1 (rounded up: never too early)."""
    return str(max(1, math.ceil(seconds - 1e-9)))


class Traffic:
    """The received log and counters, forgotten on reset."""

    def __init__(self) -> None:
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_LIMIT)
        self._seq = 0
        self.by_path: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.logins = 0
        self.rate_limited = 0
        self.during_pause = 0
        self.pauses: list[tuple[float, float]] = []

    def receive(self, path: str, body: Any, now: float) -> dict[str, Any]:
        """Log one arriving request; the entry is completed by :meth:`answered`."""
        self._seq += 1
        entry = {"seq": self._seq, "t": now, "path": path, "status": None, "fault": None,
                 "body": body}
        self._log.append(entry)
        self.by_path[path] += 1
        if self._in_pause(now):
            self.during_pause += 1
        return entry

    def answered(self, entry: dict[str, Any], status: int | None, fault: str | None = None) -> None:
        """Record how a request ended: its status (``None``: no answer was sent) and the
        fault that shaped it, if any (already set by :meth:`faulted` when one was drawn)."""
        entry["status"] = status
        if fault is not None:
            entry["fault"] = fault
        if status is not None:
            self.by_status[str(status)] += 1

    @staticmethod
    def faulted(entry: dict[str, Any], kind: str) -> None:
        """A fault was drawn for this request: visible in the log before it plays out."""
        entry["fault"] = kind

    def paused(self, sent_at: float, retry_after: float) -> None:
        """A 429 went out at ``sent_at`` telling the client to wait ``retry_after`` s."""
        self.rate_limited += 1
        self.pauses.append((sent_at, sent_at + retry_after))

    def _in_pause(self, now: float) -> bool:
        return any(start + PAUSE_GRACE < now < end for start, end in reversed(self.pauses))

    def requests(self, path: str | None = None) -> list[dict[str, Any]]:
        return [dict(e) for e in self._log if path is None or e["path"] == path]

    def stats(self) -> dict[str, Any]:
        return {
            "total": self._seq,
            "by_path": dict(self.by_path),
            "by_status": dict(self.by_status),
            "logins": self.logins,
            "rate_limited": self.rate_limited,
            "during_pause": self.during_pause,
            "pauses": [list(p) for p in self.pauses],
        }


def mask_secrets(body: Any, secret_names: frozenset[str]) -> Any:
    """``body`` with the values of top-level secret fields replaced by :data:`MASK`."""
    if not isinstance(body, dict):
        return body
    return {k: (MASK if k in secret_names else v) for k, v in body.items()}


class RateLimiter:
    """A token bucket of ``rate`` requests per second (``None``: no limit)."""

    def __init__(self, rate: float | None, now: float) -> None:
        self.rate = rate
        self._capacity = max(1.0, rate or 1.0)
        self._tokens = self._capacity
        self._updated = now

    def acquire(self, now: float) -> float | None:
        """Take one token: ``None`` when allowed, else the seconds until one is back."""
        if self.rate is None:
            return None
        self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return None
        return (1.0 - self._tokens) / self.rate
