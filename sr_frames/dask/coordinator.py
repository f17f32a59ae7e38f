"""One rate limit, one 429 pause and one request budget for a whole Dask cluster.

With the distributed scheduler the workers may run on several machines, so no disk is
shared between them. They share a :class:`Coordinator` instead: one Dask **Actor**,
hosted on one worker of the cluster, created by the process that builds the graph and
found by name (published as a dataset of the scheduler, which holds its future, so every
computation on the cluster, from any client, shares the one instance, and it outlives
each of them).

Why an Actor whose :meth:`Coordinator.turn` *returns when a request may go out*, rather
than handing out send times booked ahead:

- a send time handed out cannot be taken back, so a ``Retry-After`` told to one worker
  would not stop the requests other workers had already booked; here nothing is
  released while a pause runs, so a 429 to any worker holds back every worker at once,
  and only requests already released (on their way) can still arrive during it;
- every decision is taken on one clock, the actor's own ``time.monotonic``: workers'
  clocks never need to agree, and only waits cross the network;
- requests are spaced by the moments they were actually released, not planned ones: a
  release that comes late (the actor's worker was busy) pushes the next one later,
  never closer, so a busy cluster sends more slowly, never in a burst;
- under load the actor does constant work per request on its worker's event loop (an
  ``async`` method: no thread, one FIFO ``asyncio.Lock`` per rate); each request costs
  one call (more only when its answer comes back stale, see :meth:`ClusterPacer.wait`),
  each 429 one more, and each task one call to draw its budget.

:class:`ClusterPacer` is what a worker's client uses in place of its own rate limiter
(the :class:`sr_frames.client.clients.Pacer` protocol): each waiting request blocks one
of its threads on the actor's answer, so the client's event loop never waits for the
network to the actor. A lost actor (its worker died) fails the computation with a clear
error; building the graph again makes a new one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import time
from dataclasses import dataclass, field
from typing import Any

from sr_frames.defaults import (
    DASK_FIND_TIMEOUT,
    DASK_KEPT_BUDGETS,
    DASK_LONGEST_PAUSE,
    DASK_STALE_TRIES,
    DASK_STALE_TURN,
)

__all__ = ["COORDINATOR", "ClusterPacer", "Coordinator", "CoordinatorLost", "ensure_coordinator",
           "find_coordinator"]

COORDINATOR = "sr_frames-coordinator"
"""Name of the published dataset (and Lock) under which a cluster's coordinator is found."""



class CoordinatorLost(RuntimeError):
    """The coordinator of the cluster cannot be reached (the worker holding it is gone)."""


@dataclass
class _Lane:
    """The schedule of one scope at one rate: when the next request may be released."""

    next: float = -math.inf
    lock: asyncio.Lock | None = None


@dataclass
class Coordinator:
    """The cluster's shared limits (a Dask Actor; every method is called remotely).

    ``scope`` names what is limited: the service and the account, as
    :class:`sr_frames.dask.shared_limit.SharedRateLimiter` does on one machine.
    """

    _lanes: dict[tuple[str, float | None], _Lane] = field(default_factory=dict)
    _paused: dict[str, float] = field(default_factory=dict)
    _budgets: dict[str, int] = field(default_factory=dict)

    async def turn(self, scope: str, rate: float | None) -> float:
        """Return when one request of ``scope`` may be sent: at least ``1 / rate`` seconds
        after the previous release at that rate, and never while ``scope`` is paused.
        Answers the seconds this call waited."""
        lane = self._lanes.setdefault((scope, rate), _Lane())
        if lane.lock is None:
            lane.lock = asyncio.Lock()  # made on the actor's loop, where it is used
        interval = 0.0 if rate is None else 1.0 / rate
        asked = time.monotonic()
        async with lane.lock:  # first come, first served
            while True:
                now = time.monotonic()
                at = max(now, lane.next, self._paused.get(scope, -math.inf))
                if at <= now:
                    break
                await asyncio.sleep(at - now)  # a pause set meanwhile is seen on waking
            lane.next = now + interval
        return now - asked

    async def pause(self, scope: str, seconds: float) -> None:
        """Release nothing of ``scope`` for ``seconds`` from now (a longer pause is kept)."""
        until = time.monotonic() + min(max(seconds, 0.0), DASK_LONGEST_PAUSE)
        self._paused[scope] = max(self._paused.get(scope, -math.inf), until)

    async def take_budget(self, run: str, limit: int, wanted: int) -> int:
        """Take up to ``wanted`` requests from run ``run``'s budget of ``limit``; the number
        granted. Every task of the run draws from it, so the run never sends more."""
        if wanted <= 0 or limit <= 0:
            return 0
        spent = self._budgets.pop(run, 0)
        granted = max(0, min(wanted, limit - spent))
        self._budgets[run] = spent + granted  # re-inserted: the newest runs are kept
        while len(self._budgets) > DASK_KEPT_BUDGETS:
            del self._budgets[next(iter(self._budgets))]
        return granted


def _actor_call(future: Any) -> Any:
    """The result of an actor call, a lost actor named as such."""
    try:
        return future.result()
    except OSError as error:
        raise CoordinatorLost(
            "the sr_frames coordinator of this Dask cluster is gone (the worker holding it "
            f"was lost: {error}); call the verb again to build a new one") from None


class ClusterPacer:
    """The rate limit and 429 pauses of a worker's client, kept by the cluster's
    :class:`Coordinator` (``await wait()`` before each attempt, ``await pause(s)`` after
    a 429). ``threads`` bounds the requests waiting for their turn at once; use the
    client's ``max_concurrency``. Call :meth:`close` when done."""

    def __init__(self, coordinator: Any, scope: str, rate: float | None, threads: int) -> None:
        self._coordinator, self._scope, self._rate = coordinator, scope, rate
        self._turns = concurrent.futures.ThreadPoolExecutor(
            max(1, threads), thread_name_prefix="sr-frames-turn")
        self._pauses = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sr-frames-pause")
        self._quickest = math.inf

    def __repr__(self) -> str:
        return f"ClusterPacer(rate={self._rate!r})"

    async def wait(self) -> None:
        """Return when the coordinator has released a turn for this request, and that
        release is fresh: a turn that reached this point more than :data:`DASK_STALE_TURN`
        seconds later than the quickest round trip seen (this process was busy, the
        answer sat in a socket) is asked again, since a pause told meanwhile could not
        hold it back and sending it now would crowd the turns after it. After
        :data:`DASK_STALE_TRIES` stale turns in a row the next one is used anyway."""
        loop = asyncio.get_running_loop()
        for _ in range(DASK_STALE_TRIES):
            asked = time.monotonic()
            waited = await loop.run_in_executor(self._turns, self._turn)
            late = time.monotonic() - asked - waited  # both ways over the network, and here
            self._quickest = min(self._quickest, late)
            if late <= self._quickest + DASK_STALE_TURN:
                return
        await loop.run_in_executor(self._turns, self._turn)

    def _turn(self) -> float:
        return float(_actor_call(self._coordinator.turn(self._scope, self._rate)))

    async def pause(self, seconds: float) -> None:
        await asyncio.get_running_loop().run_in_executor(
            self._pauses, lambda: _actor_call(self._coordinator.pause(self._scope, seconds)))

    def take_budget(self, run: str, limit: int, wanted: int) -> int:
        return int(_actor_call(self._coordinator.take_budget(run, limit, wanted)))

    def close(self) -> None:
        """Stop the threads once their calls return (a turn left waiting is not awaited)."""
        for pool in (self._turns, self._pauses):
            pool.shutdown(wait=False, cancel_futures=True)


def ensure_coordinator(client: Any) -> str:
    """Make sure the cluster of ``client`` has a live coordinator (creating one if none
    is, or its worker was lost); the name to find it by. Called where the graph is built."""
    import distributed

    with distributed.Lock(COORDINATOR):  # one creator, however many processes build at once
        future = client.get_dataset(COORDINATOR, default=None)
        if future is None or future.status not in ("pending", "finished"):
            future = client.submit(Coordinator, actor=True, key=f"{COORDINATOR}-{time.time_ns()}")
            future.result(timeout=DASK_FIND_TIMEOUT)
            # published, the actor lives on between computations and for every client
            client.publish_dataset(override=True, **{COORDINATOR: future})
    return COORDINATOR


def find_coordinator(name: str, client: Any) -> Any:
    """The coordinator named ``name`` as an Actor proxy, from within a task."""
    try:
        future = client.get_dataset(name, default=None)
        if future is None:
            raise LookupError("it is not published on the scheduler")
        return future.result(timeout=DASK_FIND_TIMEOUT)
    except (LookupError, TimeoutError, OSError) as error:
        raise CoordinatorLost(f"the sr_frames coordinator {name!r} cannot be found ({error}); "
                              "call the verb again to build a new one") from None
