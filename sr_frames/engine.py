"""Run one endpoint over a plan: cache first, then the network, then a report.

The order of work is what makes a run cheap and safe to interrupt:

1. the plan has already collapsed rows into distinct normalised inputs and answered
   missing and invalid ones locally;
2. distinct inputs are looked up in the cache (unless ``refresh`` or ``cache=False``);
3. with ``cache_only`` nothing else happens; with ``max_requests`` only the first
   inputs in frame order are sent, so the next run continues where this one stopped;
4. the login is checked before any row is sent (a wrong password costs no row);
5. the rest goes out concurrently through the client's one connection pool, phones
   in batches, and every answer is written to the cache the moment it arrives, so an
   interrupted run (Ctrl-C, a killed kernel) loses nothing already paid for.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .cache import ResponseCache
from .client import AsyncClient, Client, ClientStats
from .config import DEFAULT_BATCH_SIZE, cache_scope, settings
from .endpoints import Endpoint
from .errors import (
    AuthenticationError,
    BudgetExhausted,
    InvalidResponseError,
    MissingCredentialsError,
    NotFoundError,
    SalesRocksError,
)
from .plan import Plan, Slot, check_locally
from .progress import POLL_S, Bar, Tally
from .report import RunReport, announce, remember, tally
from .retry import RequestBudget

__all__ = ["RunOptions", "count_requests", "preview", "run", "run_async"]


NOT_FOUND = "not found: "

# One in-flight request per distinct input and client, across concurrent runs too.
_inflight: weakref.WeakKeyDictionary[AsyncClient, dict[str, asyncio.Future[Any]]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class RunOptions:
    """How a verb treats the cache, the bar and the budget (see the verbs' docstrings)."""

    cache: bool = True
    refresh: bool = False
    progress: bool = True
    max_requests: int | None = None
    cache_only: bool = False
    cache_dir: str | None = None


class _Run:
    """State shared by the steps of one run; lives on the calling thread."""

    def __init__(self, plan: Plan, verb: str, options: RunOptions, base_url: str,
                 account: str | None) -> None:
        self.plan, self.verb, self.options = plan, verb, options
        self.started = time.perf_counter()
        self.tally = Tally()
        self.to_send: list[Slot] = []
        self.before: tuple[int, int, int] = (0, 0, 0)
        self.bar: Bar | None = None
        self.result: RunReport | None = None
        self.budget = None if options.max_requests is None else RequestBudget(options.max_requests)
        self.cache = _open_cache(plan, options)
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
        for slot in self.plan.pending():
            self.keys[id(slot)] = ResponseCache.key(endpoint, slot.body or {}, base_url=scope,
                                                    account=account)

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
            _leave(pending, "not in the cache and cache_only=True: run without it to send")
            return []
        limit = self.options.max_requests
        if limit is None:
            return pending
        allowed = limit * batch_size(self.plan.endpoint)
        _leave(pending[allowed:], budget_message(limit))
        return pending[:allowed]

    def write(self, slot: Slot) -> None:
        if self.cache is None or id(slot) not in self.keys:
            return
        if slot.state == "answered":
            self.cache.set(self.plan.endpoint, self.keys[id(slot)], {"answer": slot.answer})
        elif slot.state == "not_found":
            message = (slot.error or "").removeprefix(NOT_FOUND)
            self.cache.set(self.plan.endpoint, self.keys[id(slot)], {"not_found": message},
                           not_found=True)

    def this_run(self, stats: Any) -> ClientStats:
        """The client's counters since this run started (the client may be long-lived)."""
        return ClientStats(requests=stats.requests - self.before[0],
                           retries=stats.retries - self.before[1],
                           rate_limited=stats.rate_limited - self.before[2])

    def report(self, before: tuple[int, int, int], stats: Any, interrupted: bool) -> RunReport:
        plan = self.plan
        skipped, failed = tally([(s.state, s.reason, s.rows) for s in plan.slots])
        sent, retries, limited = (
            (stats.requests - before[0], stats.retries - before[1],
             stats.rate_limited - before[2]) if stats is not None else (0, 0, 0)
        )
        report = RunReport(
            verb=self.verb, endpoint=plan.endpoint.path, rows=plan.rows, distinct=plan.distinct,
            cache_hits=plan.count("cached"), requests_sent=sent, answered=plan.count("answered"),
            answered_locally=plan.count("local"), not_found=plan.count("not_found"),
            skipped=skipped, failed=failed, unanswered=plan.count("unanswered", "pending"),
            retries=retries, rate_limited=limited,
            elapsed_s=round(time.perf_counter() - self.started, 3), interrupted=interrupted,
        )
        if self.cache is not None:
            self.cache.close()
        return remember(report)


def _open_cache(plan: Plan, options: RunOptions) -> ResponseCache | None:
    if not options.cache or not plan.endpoint.cacheable:
        return None
    return ResponseCache(options.cache_dir)


def budget_message(limit: int) -> str:
    return f"not sent: max_requests={limit} reached; run again to continue"


def batch_size(endpoint: Endpoint) -> int:
    """Inputs per request: 1, or for batch endpoints the ``batch_size`` setting, else the
    table's size."""
    if not endpoint.batch_field:
        return 1
    return settings().batch_size or endpoint.batch_size or DEFAULT_BATCH_SIZE


def _leave(slots: Sequence[Slot], why: str) -> None:
    for slot in slots:
        slot.settle("unanswered", error=why, reason="unanswered")


def _units(plan: Plan, slots: list[Slot]) -> list[list[Slot]]:
    """Requests to make: one slot each, or batches for batch endpoints."""
    size = batch_size(plan.endpoint)
    return [slots[i:i + size] for i in range(0, len(slots), size)]


def _batch_body(plan: Plan, unit: list[Slot]) -> dict[str, Any]:
    field = plan.endpoint.batch_field
    if field is None:
        return dict(unit[0].body or {})
    body = {k: v for k, v in (unit[0].body or {}).items() if k != field}
    body[field] = [slot.item for slot in unit]
    return body


def _check_shape(plan: Plan, answer: Any, unit: list[Slot]) -> list[Any]:
    """The answer for each slot of ``unit``, or ``InvalidResponseError``."""
    endpoint = plan.endpoint
    if endpoint.batch_field:
        if not isinstance(answer, list) or len(answer) != len(unit):
            raise InvalidResponseError(
                f"{endpoint.path} answered {type(answer).__name__} for a batch of {len(unit)}")
        return answer
    expected = list if endpoint.answer == "list" else dict
    if not isinstance(answer, expected):
        raise InvalidResponseError(
            f"{endpoint.path} answered {type(answer).__name__}, expected {expected.__name__}")
    return [answer]


async def _call_once(client: AsyncClient, run: _Run, unit: list[Slot]) -> Any:
    """Send one request; concurrent runs asking the same single input share it."""
    body = _batch_body(run.plan, unit)
    key = run.keys.get(id(unit[0])) if len(unit) == 1 else None
    if key is None:
        return await client.call(run.plan.endpoint, body, budget=run.budget)
    table = _inflight.setdefault(client, {})
    if key in table:
        return await asyncio.shield(table[key])
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    table[key] = future
    try:
        answer = await client.call(run.plan.endpoint, body, budget=run.budget)
    except Exception as exc:
        future.set_exception(exc)
        future.exception()  # retrieved here, so an unshared failure is not reported twice
        raise
    except BaseException:
        future.cancel()
        raise
    else:
        future.set_result(answer)
        return answer
    finally:
        table.pop(key, None)


async def _send_unit(client: AsyncClient, run: _Run, unit: list[Slot]) -> None:
    """Send one request and settle its slots; a refused login ends the run (re-raised
    once its slots are marked), since every later request would be refused too."""
    try:
        answers = _check_shape(run.plan, await _call_once(client, run, unit), unit)
    except NotFoundError as exc:
        for slot in unit:
            slot.settle("not_found", error=NOT_FOUND + exc.message, reason="not_found")
    except BudgetExhausted:
        _leave(unit, budget_message(run.options.max_requests or 0))
    except SalesRocksError as exc:
        for slot in unit:
            slot.settle("failed", error=f"{exc.reason}: {exc}", reason=exc.reason)
        run.tally.failed += len(unit)
        if isinstance(exc, AuthenticationError):
            raise
    else:
        for slot, answer in zip(unit, answers, strict=True):
            slot.settle("answered", answer=answer)
    for slot in unit:
        run.write(slot)
    run.tally.done += len(unit)


async def _send(client: AsyncClient, run: _Run, slots: list[Slot]) -> None:
    """Send every slot, at most ``max_concurrency`` requests at a time."""
    await client.login()
    units = iter(_units(run.plan, slots))
    stop = False

    async def worker() -> None:
        nonlocal stop
        for unit in units:
            if stop:
                return
            try:
                await _send_unit(client, run, unit)
            except AuthenticationError:
                stop = True
                raise

    workers = max(1, min(getattr(client, "max_concurrency", 32), len(slots)))
    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


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
    return len(_units(plan, slots))


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
    state = _Run(plan, verb, options, aclient.base_url, aclient.account)
    before = state.before = _stats_snapshot(aclient)
    interrupted = False
    try:
        state.read_cache()
        state.to_send = state.apply_budget()
        state.bar = _bar(verb, plan, state.to_send, options)
        yield state
    except (KeyboardInterrupt, asyncio.CancelledError):
        interrupted = True
        raise
    finally:
        if state.bar is not None:
            state.bar.close()
        state.result = state.report(before, aclient.stats, interrupted)
        announce(state.result, options.progress)


def run(plan: Plan, verb: str, options: RunOptions, client: Client | None = None) -> RunReport:
    """Run ``plan`` from synchronous code (a script, a notebook cell).

    The requests run on the client's private event-loop thread while this thread keeps
    the progress bar current. Ctrl-C stops sending at once, closes the session, keeps
    every answer already received in the cache, and re-raises ``KeyboardInterrupt``.
    """
    owned = client is None
    client = client or Client()
    try:
        with _running(plan, verb, options, client.aclient) as state:
            if state.to_send:
                _wait(client.submit(_sender(state, state.to_send)), state, client.aclient)
    finally:
        if owned:
            client.close()
    return state.result


def _sender(state: _Run, slots: list[Slot]) -> Callable[[AsyncClient], Awaitable[None]]:
    return lambda aclient: _send(aclient, state, slots)


def _wait(future: concurrent.futures.Future[None], state: _Run, aclient: AsyncClient) -> None:
    """Wait for the sending side, refreshing the bar; on Ctrl-C cancel it at once."""
    try:
        while True:
            try:
                future.result(timeout=POLL_S)
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
                sending = asyncio.create_task(_send(aclient, state, state.to_send))
                try:
                    while not sending.done():
                        await asyncio.wait({sending}, timeout=POLL_S)
                        state.bar.show(state.tally, state.this_run(aclient.stats))
                    await sending
                finally:  # cancelled from outside: stop sending before anything closes
                    sending.cancel()
                    await asyncio.gather(sending, return_exceptions=True)
    finally:
        if owned:
            await aclient.close()
    return state.result
