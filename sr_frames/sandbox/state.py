"""Everything one sandbox holds: settings, users' data, traffic, rate limiter, faults.

One :class:`SandboxState` lives in the aiohttp application and is touched only from
the sandbox's event loop, so it needs no locks. ``reset()`` returns it to how it
started (the start settings, no data, no log, no faults, the random generator
re-seeded), which is what makes tests independent of one another.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sr_frames.sandbox.faults import FaultBook
from sr_frames.sandbox.store import Store
from sr_frames.sandbox.traffic import RateLimiter, Traffic

__all__ = ["SandboxState", "Settings"]


@dataclass(frozen=True)
class Settings:
    """What can be switched while the sandbox runs.

    ``latency_ms`` delays every API answer; ``rate_limit`` is requests per second
    (``None``: unlimited); ``token_ttl`` the token lifetime in seconds (fractions
    allowed); ``password`` the only password accepted (``None``: any non-empty one).
    """

    latency_ms: float = 0.0
    rate_limit: float | None = None
    token_ttl: float = 3600.0
    password: str | None = None

    def changed(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied; ``ValueError`` naming a bad or unknown setting."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown setting {unknown[0]!r}; known: {', '.join(sorted(known))}")
        new = replace(self, **changes)
        new.check()
        return new

    def check(self) -> None:
        if not _number(self.latency_ms) or self.latency_ms < 0:
            raise ValueError("latency_ms must be a number >= 0")
        if self.rate_limit is not None and (not _number(self.rate_limit) or self.rate_limit <= 0):
            raise ValueError("rate_limit must be a number > 0 or None")
        if not _number(self.token_ttl) or self.token_ttl <= 0:
            raise ValueError("token_ttl must be a number > 0")
        if self.password is not None and (not isinstance(self.password, str) or not self.password):
            raise ValueError("password must be a non-empty string or None")

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON, the password masked."""
        data = asdict(self)
        if data["password"] is not None:
            data["password"] = "********"
        return data


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class SandboxState:
    """The state of one sandbox.

    ``clock`` (monotonic seconds) times the log, the rate limit and pauses; ``wall``
    (epoch seconds) stamps tokens and records. Both are injectable for tests.
    """

    def __init__(self, settings: Settings, *, seed: int = 0,
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        settings.check()
        self.initial = settings
        self.seed = seed
        self.clock = clock
        self.wall = wall
        self.reset()

    def reset(self) -> None:
        """Forget data, log, counters and faults; restore the start settings."""
        self.settings = self.initial
        self.store = Store(self.wall)
        self.traffic = Traffic()
        self.faults = FaultBook(random.Random(self.seed))
        self.limiter = RateLimiter(self.settings.rate_limit, self.clock())

    def restore(self, data: dict[str, Any]) -> None:
        """Take over users' data saved by ``Store.to_json`` (call before serving)."""
        self.store = Store.from_json(data, self.wall)

    def configure(self, **changes: Any) -> Settings:
        """Switch settings; a new rate limit starts with a full bucket."""
        self.settings = self.settings.changed(**changes)
        if "rate_limit" in changes:
            self.limiter = RateLimiter(self.settings.rate_limit, self.clock())
        return self.settings
