"""Run one endpoint over a plan: cache first, then the network, then a report.

The order of work is what makes a run cheap and safe to interrupt:

1. the plan has already collapsed rows into distinct normalised inputs and answered
   missing and invalid ones locally;
2. distinct inputs are looked up in the cache (unless ``refresh`` or ``cache=False``);
3. with ``cache_only`` nothing else happens; with ``max_requests`` only the first
   inputs in frame order are sent, so the next run continues where this one stopped;
4. the login is checked before any row is sent (a wrong password costs no row);
5. the rest goes out concurrently through the client's one connection pool, phones
   in batches, and every answer is written to the cache within 50 ms of arriving, in
   small transactions (:mod:`sr_frames.cache.write_behind`): Ctrl-C loses nothing
   already paid for, a killed kernel at most its last 50 ms of answers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sr_frames.cache.scope import cache_scope
from sr_frames.cache.store import ResponseCache
from sr_frames.cache.write_behind import WriteBehind, running_loop
from sr_frames.client.clients import AsyncClient, Client, ClientStats
from sr_frames.client.limits import RequestBudget
from sr_frames.enrich.collector import bulk, spaced
from sr_frames.enrich.dispatch import NOT_FOUND, budget_message, inputs_per_request, leave, send, units
from sr_frames.enrich.plan import Plan, Slot, check_locally
from sr_frames.enrich.progress import POLL_S, Bar, Tally
from sr_frames.enrich.report import RunReport, announce, remember, tally
from sr_frames.errors import MissingCredentialsError

__all__ = ["RunOptions", "count_requests", "preview", "run", "run_async"]



@dataclass(frozen=True)
class RunOptions:
    """How a verb treats the cache, the bar and the budget (see the verbs' docstrings)."""

    cache: bool = True
    refresh: bool = False
    progress: bool = True
    max_requests: int | None = None
    cache_only: bool = False
    cache_dir: str | None = None
    store: Callable[[], Any] | None = None
    """Opens the cache a run reads and writes, in place of ``ResponseCache(cache_dir)``:
    anything with its ``get_many`` and the methods of a
    :class:`~sr_frames.cache.write_behind.RowStore` (Dask workers use the cache of the
    process that started the computation this way)."""
    announce: bool = True
    """Show the report when done (a caller running several plans shows one of its own)."""


class _Run:
    """State shared by the steps of one run; lives on the calling thread."""

    def __init__(self, plan: Plan, verb: str, options: RunOptions, base_url: str,
                 account: str | None) -> None:
        self.plan, self.verb, self.options = plan, verb, options
        self.started = time.perf_counter()
        self.tally = Tally()
        self.to_send: list[Slot] = []
        self.before: tuple[int, int, int] = (0, 0, 0)
        self.bar = Bar(verb, 0, 0, enabled=False)  # the run's own bar once it knows what to send
        self.result: RunReport | None = None
        self.budget = None if options.max_requests is None else RequestBudget(options.max_requests)
        self.cache = _open_cache(plan, options)
        self.writes = WriteBehind(self.cache) if self.cache is not None else None
        self.keys: dict[int, str] = {}
        if self.cache is not None:
            self._make_keys(cache_scope(base_url), account)

    def _make_keys(self, scope: str, account: str | None) -> None:
        endpoint = self.plan.endpoint
        if endpoint.account_scoped and account is None:
            raise MissingCredentialsError(
                f"{endpoint.method} answers depend on the account, and none is configured: set "
                "SALESROCKS_USERNAME and SALESROCKS_PASSWORD (or SALESROCKS_TOKEN), or call "
                "sr_frames.configure(username=..., password=...)")
        pending = self.plan.pending()
        keys = ResponseCache.keys_of(endpoint, [slot.body or {} for slot in pending],
                                     base_url=scope, account=account)
        self.keys = {id(slot): key for slot, key in zip(pending, keys, strict=True)}

    def read_cache(self) -> None:
        if self.cache is None or self.options.refresh:
            return
        pending = self.plan.pending()
        hits = self.cache.get_many(self.keys[id(s)] for s in pending)
        for slot in pending:
            value = hits.get(self.keys[id(slot)])
            if isinstance(value, dict) and "answer" in value:
                slot.settle("cached", answer=value["answer"])
            elif isinstance(value, dict) and "not_found" in value:
                slot.settle("cached", error=NOT_FOUND + str(value["not_found"]), reason="not_found")

    def apply_budget(self) -> list[Slot]:
        """The slots to send now; the others are marked unanswered with the reason.

        Inputs the cache did not answer are checked locally first: invalid ones are
        answered as the service would, and cost nothing.
        """
        check_locally(self.plan)
        pending = self.plan.pending()
        if self.options.cache_only:
            leave(pending, "not in the cache and cache_only=True: run without it to send")
            return []
        limit = self.options.max_requests
        if limit is None:
            return pending
        allowed = limit * inputs_per_request(self.plan.endpoint)
        leave(pending[allowed:], budget_message(limit))
        return pending[:allowed]

    def write(self, slot: Slot) -> None:
        """Queue ``slot``'s answer for the cache (committed within the write window)."""
        key = self.keys.get(id(slot))
        if key is None or self.writes is None:
            return
        if slot.state == "answered":
            self.writes.add(self.plan.endpoint, key, {"answer": slot.answer})
        elif slot.state == "not_found":
            message = (slot.error or "").removeprefix(NOT_FOUND)
            self.writes.add(self.plan.endpoint, key, {"not_found": message}, not_found=True)

    def flush_writes(self) -> None:
        """Commit the answers still queued for the cache, cull it once and let go of the
        connection the loop's thread used."""
        if self.writes is not None:
            self.writes.close()

    def this_run(self, stats: Any) -> ClientStats:
        """The client's counters since this run started (the client may be long-lived)."""
        return ClientStats(requests=stats.requests - self.before[0],
                           retries=stats.retries - self.before[1],
                           rate_limited=stats.rate_limited - self.before[2])

    def report(self, before: tuple[int, int, int], stats: Any, interrupted: bool) -> RunReport:
        plan = self.plan
        states = Counter(s.state for s in plan.slots)  # one pass: plans can hold 100,000 slots
        skipped, failed = tally([(s.state, s.reason, s.rows) for s in plan.slots
                                 if s.state in ("skipped", "failed")])
        sent, retries, limited = (
            (stats.requests - before[0], stats.retries - before[1],
             stats.rate_limited - before[2]) if stats is not None else (0, 0, 0)
        )
        report = RunReport(
            verb=self.verb, endpoint=plan.endpoint.path, rows=plan.rows, distinct=plan.distinct,
            cache_hits=states["cached"], requests_sent=sent, answered=states["answered"],
            answered_locally=states["local"], not_found=states["not_found"],
            skipped=skipped, failed=failed, unanswered=states["unanswered"] + states["pending"],
            retries=retries, rate_limited=limited,
            elapsed_s=round(time.perf_counter() - self.started, 3), interrupted=interrupted,
        )
        if self.cache is not None:
            self.flush_writes()
            self.cache.close()
        return remember(report)


def _open_cache(plan: Plan, options: RunOptions) -> Any:
    if not options.cache or not plan.endpoint.cacheable:
        return None
    if options.store is not None:
        return options.store()
    return ResponseCache(options.cache_dir, keep_open=True)  # open from one run to the next


def preview(plan: Plan, options: RunOptions, base_url: str, account: str | None) -> list[Slot]:
    """Mark what the cache and the budget decide, send nothing: the slots a run would send."""
    state = _Run(plan, "preview", options, base_url, account)
    try:
        state.read_cache()
        return state.apply_budget()
    finally:
        if state.cache is not None:
            state.cache.close()


def count_requests(plan: Plan, slots: list[Slot]) -> int:
    """How many requests sending ``slots`` takes (phones go many to a request)."""
    return len(units(plan, slots))


def _bar(verb: str, plan: Plan, to_send: list[Slot], options: RunOptions) -> Bar:
    """A bar over the distinct inputs answered by this run, cache hits counted as done."""
    done = plan.count("cached", "local")
    return Bar(verb, done + len(to_send), done, enabled=options.progress and bool(to_send))


def _stats_snapshot(client: AsyncClient) -> tuple[int, int, int]:
    s = client.stats
    return s.requests, s.retries, s.rate_limited


@contextlib.contextmanager
def _running(plan: Plan, verb: str, options: RunOptions, aclient: AsyncClient) -> Iterator[_Run]:
    """What every run does around the sending: cache, local checks, budget and bar
    before; the report after, also when interrupted (then it says what was kept)."""
    with bulk():
        state = _Run(plan, verb, options, aclient.base_url, aclient.account)
    before = state.before = _stats_snapshot(aclient)
    interrupted = False
    try:
        with bulk():
            state.read_cache()
            state.to_send = state.apply_budget()
        state.bar = _bar(verb, plan, state.to_send, options)
        with spaced():  # requests in flight: young collections would walk them over and over
            yield state
    except (KeyboardInterrupt, asyncio.CancelledError):
        interrupted = True
        raise
    finally:
        if state.bar is not None:
            state.bar.close()
        state.result = state.report(before, aclient.stats, interrupted)
        if options.announce or interrupted:
            announce(state.result, options.progress)


def run(plan: Plan, verb: str, options: RunOptions, client: Client | None = None) -> RunReport:
    """Run ``plan`` from synchronous code (a script, a notebook cell).

    Without a ``client``, in a thread that runs no event loop (a script), the requests
    run on an event loop in this thread, as :func:`run_async` runs them: no second
    thread wakes to keep the bar or to hand the results over (on a virtual machine,
    waking a sleeping thread costs tens of microseconds of CPU). Otherwise (a
    notebook cell, whose thread runs Jupyter's loop, or a ``client`` given) they run
    on the client's private event-loop thread while this thread keeps the progress
    bar current. Either way, Ctrl-C stops sending at once, closes the session, keeps
    every answer already received in the cache, and re-raises ``KeyboardInterrupt``.
    """
    if client is None and running_loop() is None:
        # a loop of its own, not made the thread's current one: a loop the caller set
        # with asyncio.set_event_loop stays set (asyncio.run would unset it)
        with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
            return runner.run(run_async(plan, verb, options))
    owned = client is None
    client = client or Client()
    try:
        with _running(plan, verb, options, client.aclient) as state:
            if state.to_send:
                _wait(client.submit(_sender(state, state.to_send)), state, client.aclient)
    finally:
        if owned:
            client.close()
    assert state.result is not None  # set when the run ends, however it ends
    return state.result


def _sender(state: _Run, slots: list[Slot]) -> Callable[[AsyncClient], Awaitable[None]]:
    return lambda aclient: send(aclient, state, slots)


def _wait(future: concurrent.futures.Future[None], state: _Run, aclient: AsyncClient) -> None:
    """Wait for the sending side, refreshing the bar; on Ctrl-C cancel it at once."""
    try:
        while True:
            try:
                # without a bar, nothing needs this thread until the end (a lock's wait
                # is interrupted by Ctrl-C all the same)
                future.result(timeout=POLL_S if state.bar.drawn else None)
                return
            except concurrent.futures.TimeoutError:
                state.bar.show(state.tally, state.this_run(aclient.stats))
    except KeyboardInterrupt:
        future.cancel()  # cancels the task on the loop; closing the client waits for it
        raise
    finally:
        state.bar.show(state.tally, state.this_run(aclient.stats))


async def run_async(plan: Plan, verb: str, options: RunOptions,
                    client: AsyncClient | None = None) -> RunReport:
    """Run ``plan`` from code that already runs in an event loop; same rules as :func:`run`."""
    owned = client is None
    aclient = client or AsyncClient()
    try:
        with _running(plan, verb, options, aclient) as state:
            if state.to_send:
                sending = asyncio.create_task(send(aclient, state, state.to_send))
                try:
                    while state.bar.drawn and not sending.done():  # no bar, no wake-ups
                        await asyncio.wait({sending}, timeout=POLL_S)
                        state.bar.show(state.tally, state.this_run(aclient.stats))
                    await sending
                finally:  # cancelled from outside: stop sending before anything closes
                    sending.cancel()
                    await asyncio.gather(sending, return_exceptions=True)
    finally:
        if owned:
            await aclient.close()
    assert state.result is not None  # set when the run ends, however it ends
    return state.result
