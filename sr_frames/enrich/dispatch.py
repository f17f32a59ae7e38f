"""Sending a run's requests: concurrently, phones in batches, each answer settled the
moment it arrives and queued for the cache (committed within 50 ms).

At most ``max_concurrency`` requests are in flight (the client's own bound); one
in-flight request per distinct input and client, even across concurrent runs; a
refused login ends the run at once, since every later request would be refused too.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from typing import Any, Protocol

from sr_frames.client.clients import AsyncClient
from sr_frames.client.limits import RequestBudget
from sr_frames.config import batch_size
from sr_frames.defaults import DEFAULT_BATCH_SIZE
from sr_frames.endpoints import Endpoint
from sr_frames.enrich.plan import Plan, Slot
from sr_frames.enrich.progress import Tally
from sr_frames.errors import (
    AuthenticationError,
    BudgetExhausted,
    InvalidResponseError,
    NotFoundError,
    SalesRocksError,
)

__all__ = ["NOT_FOUND", "RunState", "budget_message", "inputs_per_request", "leave", "send",
           "units"]

NOT_FOUND = "not found: "


class _Limits(Protocol):
    @property
    def max_requests(self) -> int | None: ...


class RunState(Protocol):
    """What sending needs from a run (the engine's run satisfies it): the plan, the
    cache key of each slot, the request budget, the counters the bar reads, and
    ``write`` to keep each answer the moment it is settled."""

    @property
    def plan(self) -> Plan: ...
    @property
    def options(self) -> _Limits: ...
    @property
    def keys(self) -> dict[int, str]: ...
    @property
    def budget(self) -> RequestBudget | None: ...
    @property
    def tally(self) -> Tally: ...

    def write(self, slot: Slot) -> None: ...


def budget_message(limit: int) -> str:
    return f"not sent: max_requests={limit} reached; run again to continue"


def inputs_per_request(endpoint: Endpoint) -> int:
    """1, or for batch endpoints the ``batch_size`` setting, else the table's size."""
    if not endpoint.batch_field:
        return 1
    return batch_size(default=endpoint.batch_size or DEFAULT_BATCH_SIZE)


def leave(slots: Sequence[Slot], why: str) -> None:
    for slot in slots:
        slot.settle("unanswered", error=why, reason="unanswered")


# One in-flight request per distinct input and client, across concurrent runs too.
_inflight: weakref.WeakKeyDictionary[AsyncClient, dict[str, asyncio.Future[Any]]] = (
    weakref.WeakKeyDictionary()
)


def units(plan: Plan, slots: list[Slot]) -> list[list[Slot]]:
    """Requests to make: one slot each, or batches for batch endpoints."""
    size = inputs_per_request(plan.endpoint)
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


async def _call_once(client: AsyncClient, run: RunState, unit: list[Slot],
                     inflight: dict[str, asyncio.Future[Any]]) -> Any:
    """Send one request; concurrent runs asking the same single input share it through
    ``inflight``, the client's requests in flight."""
    body = _batch_body(run.plan, unit)
    key = run.keys.get(id(unit[0])) if len(unit) == 1 else None
    if key is None:
        return await client.call(run.plan.endpoint, body, budget=run.budget)
    shared = inflight.get(key)
    if shared is not None:
        try:
            return await asyncio.shield(shared)
        except (asyncio.CancelledError, BudgetExhausted):
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            # the run that owned the request was cancelled or out of budget, not this one
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    inflight[key] = future
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
        inflight.pop(key, None)


async def _send_unit(client: AsyncClient, run: RunState, unit: list[Slot],
                     inflight: dict[str, asyncio.Future[Any]]) -> None:
    """Send one request and settle its slots; a refused login ends the run (re-raised
    once its slots are marked), since every later request would be refused too."""
    try:
        answers = _check_shape(run.plan, await _call_once(client, run, unit, inflight), unit)
    except NotFoundError as exc:
        for slot in unit:
            slot.settle("not_found", error=NOT_FOUND + exc.message, reason="not_found")
    except BudgetExhausted:
        leave(unit, budget_message(run.options.max_requests or 0))
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


async def send(client: AsyncClient, run: RunState, slots: list[Slot]) -> None:
    """Send every slot, at most ``max_concurrency`` requests at a time."""
    await client.login()
    queue = iter(units(run.plan, slots))
    stop = False
    inflight = _inflight.setdefault(client, {})  # once a run: a weak key costs a microsecond

    async def worker() -> None:
        nonlocal stop
        for unit in queue:
            if stop:
                return
            try:
                await _send_unit(client, run, unit, inflight)
            except AuthenticationError:
                stop = True
                raise

    workers = max(1, min(client.max_concurrency, len(slots)))
    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
