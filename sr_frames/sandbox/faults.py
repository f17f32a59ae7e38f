"""Injected failures: what can go wrong between a client and the service, on demand.

A :class:`Fault` matches an API path (or every API path, the token endpoint included),
fires on a matching request with probability ``rate`` drawn from the sandbox's seeded
``random.Random`` (so a run is reproducible), and stops after ``times`` firings.
Kinds:

``status``       answer ``status`` with the error shape (a 429 adds ``Retry-After``)
``drop``         close the connection without answering; the request is not applied
``garbage``      answer 200 with a body that is not JSON
``lost_answer``  apply the request normally, then close without answering
``hang``         never answer: wait until the client goes away or ``delay_s`` passes,
                 then close
``latency``      wait ``delay_s`` more, then answer normally (adds to other faults)
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

from sr_frames.endpoints import endpoint

__all__ = ["KINDS", "Fault", "FaultBook", "make_fault"]

KINDS = ("status", "drop", "garbage", "lost_answer", "hang", "latency")


@dataclass
class Fault:
    kind: str
    path: str | None = None
    times: int | None = None
    rate: float = 1.0
    status: int = 500
    retry_after: float = 1.0
    delay_s: float | None = None
    fired: int = 0

    @property
    def spent(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def matches(self, path: str) -> bool:
        return not self.spent and (self.path is None or self.path == path)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _resolve_path(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return endpoint(path).path
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from None


def make_fault(kind: str, *, path: str | None = None, times: int | None = None,
               rate: float = 1.0, status: int = 500, retry_after: float = 1.0,
               delay_s: float | None = None) -> Fault:
    """A validated fault; ``path`` may be an API path or an endpoint method name.

    Raises ``ValueError`` naming the bad argument.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 0):
        raise ValueError("times must be a non-negative integer or None")
    if not 0.0 <= float(rate) <= 1.0:
        raise ValueError("rate must be between 0 and 1")
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise ValueError("status must be an HTTP error status (400-599)")
    if float(retry_after) <= 0:
        raise ValueError("retry_after must be positive")
    if delay_s is not None and float(delay_s) < 0:
        raise ValueError("delay_s must not be negative")
    if kind == "latency" and delay_s is None:
        raise ValueError("a latency fault needs delay_s")
    return Fault(kind, _resolve_path(path), times, float(rate), status, float(retry_after),
                 None if delay_s is None else float(delay_s))


class FaultBook:
    """The active faults, in the order they were added."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.faults.append(fault)

    def clear(self) -> None:
        self.faults.clear()

    def _fires(self, fault: Fault) -> bool:
        return fault.rate >= 1.0 or self.rng.random() < fault.rate

    def draw(self, path: str) -> tuple[float, Fault | None]:
        """For one request at ``path``: the extra latency of the latency faults that fire,
        and the first other fault that fires (only firing faults use up ``times``)."""
        extra, chosen = 0.0, None
        for fault in self.faults:
            if not fault.matches(path):
                continue
            if fault.kind == "latency":
                if self._fires(fault):
                    fault.fired += 1
                    extra += fault.delay_s or 0.0
            elif chosen is None and self._fires(fault):
                fault.fired += 1
                chosen = fault
        return extra, chosen
