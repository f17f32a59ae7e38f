"""Push the rows of a frame into an editable list, once each, whatever happens on the way.

:func:`push_to_list` sends each row as a contact through Add to List, in chunks, and
records every confirmed row in the :class:`~sr_frames.ledger.Ledger`. Three outcomes
per chunk:

* confirmed: the rows get their ``sr_contact_id``, the ledger remembers them;
* refused before it could be applied (400, 403, 404, a 429 or a refused connection
  beyond the client's retries): ``sr_push_error`` says why, and the next push sends
  the rows again;
* uncertain (timeout, dropped connection, 5xx, an unreadable answer): the service may
  have added the rows. They are never resent blindly: the ledger marks them, and the
  next push (or :func:`reconcile`) reads the list back and matches rows by content
  before sending, so the rows that did land are adopted and only the others are sent.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .client import Client
from .endpoints import ENDPOINTS, TOKEN, endpoint
from .errors import (
    AuthenticationError,
    InvalidResponseError,
    NotFoundError,
    SalesRocksError,
    ServerError,
    TransportError,
)
from .frames import attach, column_error, original_columns
from .ledger import Ledger, fingerprint
from .lists import batch_size, contact_id, describe, is_missing, json_safe, list_records, run, using
from .progress import Bar, Tally
from .report import RunReport, announce, remember

__all__ = ["RESULT_COLUMNS", "push_to_list", "reconcile"]

ADD = endpoint("add_to_list")
RESULT_COLUMNS = ("sr_contact_id", "sr_push_error")
SERVICE_FIELDS = ("_id", "list_id")
"""Contact fields the service sets; never sent from a frame."""
SECRET_COLUMNS = tuple(sorted({f for e in (TOKEN, *ENDPOINTS) for f in e.secret_fields}))
"""Columns named like a credential (``password``, ``secret``): never pushed by default."""

_POLL_S = 0.1


# --- what to send ----------------------------------------------------------------------

def contact_columns(frame: pd.DataFrame, columns: str | Sequence[str] | None = None) -> list[str]:
    """The columns pushed: ``columns``, or the frame's original columns (no result
    column of any verb, no ``_id``/``list_id``, no ``password``/``secret``)."""
    if columns is None:
        results = [c for e in ENDPOINTS for c in e.result_columns()]
        names = original_columns(frame, [*results, *RESULT_COLUMNS, *SERVICE_FIELDS, *SECRET_COLUMNS])
    else:
        names = [columns] if isinstance(columns, str) else list(columns)
        for name in names:
            if name not in frame.columns:
                raise column_error(frame, name, "columns")
        reserved = [n for n in names if n in SERVICE_FIELDS]
        if reserved:
            raise ValueError(f"column(s) {reserved} name fields the service sets itself; "
                             "leave them out of columns=")
    doubled = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]} & set(map(str, names)))
    if doubled:
        raise ValueError(f"column(s) {doubled} appear more than once in the frame; rename them first")
    if not names:
        raise ValueError("there is no column to push; pass columns=[...]")
    return names


def contacts(frame: pd.DataFrame, names: Sequence[str]) -> tuple[list[dict | None], list[str | None]]:
    """One JSON-safe contact per row (missing values left out) and per-row problems."""
    keys = [str(n) for n in names]
    out: list[dict | None] = []
    problems: list[str | None] = []
    for values in frame[list(names)].itertuples(index=False, name=None):
        try:
            contact = {k: json_safe(v) for k, v in zip(keys, values, strict=True) if not is_missing(v)}
        except ValueError as error:
            out.append(None)
            problems.append(f"invalid: a value is {error}")
            continue
        out.append(contact or None)
        problems.append(None if contact else "missing: no value to push in the chosen columns")
    return out, problems


# --- one push --------------------------------------------------------------------------

def _uncertain_text(error: BaseException) -> str:
    reason = error.reason if isinstance(error, SalesRocksError) else "error"
    return (f"uncertain ({reason}): no clear answer after sending, so the row may be in "
            "the list; push again to reconcile")


def maybe_applied(error: BaseException) -> bool:
    """Whether a failed Add to List may have been applied by the service."""
    if isinstance(error, TransportError):
        return error.maybe_applied
    if isinstance(error, SalesRocksError):
        return isinstance(error, InvalidResponseError | ServerError)
    return True  # anything unforeseen: assume the worst, never resend blindly


@dataclass
class _Push:
    """State of one push, kept on the calling thread."""

    list_id: str
    hashes: list[str | None]
    ids: list[str | None]
    errors: list[str | None]
    ledger: Ledger
    force: bool
    tally: Tally = field(default_factory=Tally)
    known: int = 0
    confirmed: int = 0
    read_back: bool = False
    failed: dict[str, int] = field(default_factory=dict)

    def occurrences(self) -> list[int]:
        seen: dict[str, int] = {}
        out = []
        for h in self.hashes:
            out.append(seen.get(h, 0) if h else -1)
            if h:
                seen[h] = seen.get(h, 0) + 1
        return out

    def pending(self) -> list[int]:
        """Rows to send; rows the ledger already knows get their id."""
        rows = [i for i, h in enumerate(self.hashes) if h]
        if self.force:
            return rows
        known = self.ledger.ids(h for h in self.hashes if h)
        nth = self.occurrences()
        todo = []
        for i in rows:
            ids = known.get(self.hashes[i], [])
            if nth[i] < len(ids):
                self.ids[i] = ids[nth[i]]
            else:
                todo.append(i)
        return todo

    def fail(self, rows: Iterable[int], text: str, reason: str) -> None:
        for i in rows:
            self.errors[i] = text
            self.failed[reason] = self.failed.get(reason, 0) + 1

    def settle_doubts(self, client: Client, todo: list[int]) -> list[int]:
        """Reconcile first when rows to send have uncertain twins; the rows still to send."""
        if self.force:
            return todo
        doubt = self.ledger.uncertain()
        if not any(self.hashes[i] in doubt for i in todo):
            return todo
        try:
            _settle(client, self.ledger, self.list_id)
        except SalesRocksError as error:
            stuck = [i for i in todo if self.hashes[i] in doubt]
            self.fail(stuck, f"uncertain: the list could not be read back to reconcile "
                             f"({describe(error)}); push again", "uncertain")
            return [i for i in todo if self.hashes[i] not in doubt]
        self.read_back = True
        return self.pending()

    def record(self, rows: Sequence[int], answer: Any = None, error: BaseException | None = None) -> None:
        """Write one chunk's outcome to the ledger and the result columns."""
        if error is None:
            oids = [contact_id(a) for a in answer] if isinstance(answer, list) else []
            if len(oids) != len(rows) or None in oids:
                error = InvalidResponseError(f"{ADD.path} answered {len(oids)} ids for {len(rows)} rows")
        if error is None:
            self.ledger.confirm([(self.hashes[i], oid) for i, oid in zip(rows, oids, strict=True)],
                                newest_first=self.force)
            for i, oid in zip(rows, oids, strict=True):
                self.ids[i], self.errors[i] = oid, None
            self.confirmed += len(rows)
        elif maybe_applied(error):
            self.ledger.mark_uncertain(self.hashes[i] for i in rows)
            self.fail(rows, _uncertain_text(error), "uncertain")
        else:
            reason = error.reason if isinstance(error, SalesRocksError) else "error"
            self.fail(rows, describe(error), reason)
        self.tally.done += len(rows)
        self.tally.failed += 0 if error is None else len(rows)


def _check_list(client: Client, list_id: str) -> None:
    """Raise ``NotFoundError`` now for a list that is not there, rather than once per chunk;
    any other failure is left for the chunks to meet and report row by row."""
    try:
        run(client, lambda ac: ac.call("get_list_data", {"list_id": list_id, "page": 1, "size": 1}))
    except (NotFoundError, AuthenticationError):
        raise
    except SalesRocksError:
        return


def _settle(client: Client, ledger: Ledger, list_id: str) -> dict[str, int]:
    doubt = ledger.uncertain()
    rows = sum(doubt.values())
    if not rows:
        return {"uncertain": 0, "found": 0, "missing": 0}
    found: dict[str, list[str]] = {}
    for record in list_records(client, list_id):
        h, oid = fingerprint(record), contact_id(record.get("_id"))
        if h in doubt and oid is not None:
            found.setdefault(h, []).append(oid)
    adopted = ledger.settle(found)
    return {"uncertain": rows, "found": adopted, "missing": rows - adopted}


def _send(client: Client, push: _Push, contacts_: list[dict | None], todo: list[int],
          size: int, bar: Bar) -> None:
    """Send ``todo`` in chunks, concurrently; record each chunk as its answer arrives."""
    futures: dict[concurrent.futures.Future[Any], list[int]] = {}
    for start in range(0, len(todo), size):
        rows = todo[start:start + size]
        body = {"list_id": push.list_id, "data": [contacts_[i] for i in rows]}
        futures[client.submit(lambda ac, b=body: ac.call(ADD, b))] = rows
    waiting = set(futures)
    try:
        while waiting:
            done, waiting = concurrent.futures.wait(waiting, timeout=_POLL_S,
                                                    return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                error = future.exception()
                push.record(futures[future], None if error else future.result(), error)
            bar.show(push.tally, client.aclient.stats)
    except BaseException:
        # Ctrl-C or a failing ledger: what was in flight may have landed, so it is uncertain.
        for future in waiting:
            future.cancel()
        push.ledger.mark_uncertain(push.hashes[i] for f in waiting for i in futures[f])
        raise


def push_to_list(
    frame: pd.DataFrame,
    list_id: str,
    columns: str | Sequence[str] | None = None,
    *,
    force: bool = False,
    client: Client | None = None,
    progress: bool = True,
    chunk_size: int | None = None,
) -> pd.DataFrame:
    """Add each row of ``frame`` to the editable list ``list_id``, once; a new frame back.

    Sends ``columns`` (default: the frame's original columns, not the result columns
    of any verb, nor ``_id``/``list_id``, nor a ``password``/``secret`` column) of
    each row as one contact, ``chunk_size`` (default 100) per request. Missing values
    (NaN, None, NA, NaT, blank text) are left out of the contact, never sent as null;
    numpy numbers, whole floats and timestamps are sent as plain JSON. A row with
    nothing to send, or with infinity, is not sent.

    Returns the frame (same index, order and columns; never modified) with
    ``sr_contact_id`` (the contact's id in the list) and ``sr_push_error`` (``None``,
    or why the row is not known to be in the list). Pushing the same rows again sends
    nothing for rows already confirmed (remembered on disk per list and per row
    content; identical rows are distinct contacts); ``force=True`` sends every row
    again. Rows whose answer was lost are marked ``uncertain``; the next push reads the
    list back and matches them by content before sending, so nothing is duplicated.
    The run report is in ``result.attrs["salesrocks"]`` and :func:`last_report`.

    Raises before sending anything: ``AuthenticationError`` for refused credentials,
    ``NotFoundError`` for a list that does not exist (or is not readable).
    """
    started = time.monotonic()
    names = contact_columns(frame, columns)
    contacts_, errors = contacts(frame, names)
    size = batch_size(chunk_size)
    with using(client) as c:
        run(c, lambda ac: ac.login())
        aclient = c.aclient
        before = (aclient.stats.requests, aclient.stats.retries, aclient.stats.rate_limited)
        with Ledger(list_id, base_url=aclient.base_url, account=aclient.account) as ledger:
            push = _Push(list_id, [fingerprint(x) if x else None for x in contacts_],
                         [None] * len(frame), errors, ledger, force)
            todo = push.settle_doubts(c, push.pending())
            if todo and not push.read_back:
                _check_list(c, list_id)
            push.known = sum(1 for i in push.ids if i is not None)
            bar = Bar("push_to_list", len(todo), 0, enabled=progress and bool(todo))
            try:
                _send(c, push, contacts_, todo, size, bar)
            finally:
                bar.close()
        after = (aclient.stats.requests, aclient.stats.retries, aclient.stats.rate_limited)
    report = _report(frame, push, errors, [b - a for a, b in zip(before, after, strict=True)],
                     time.monotonic() - started)
    result = attach(frame, {"sr_contact_id": push.ids, "sr_push_error": push.errors}, overwrite=True)
    result.attrs["salesrocks"] = remember(report)
    announce(report, progress)
    return result


def _report(frame: pd.DataFrame, push: _Push, problems: list[str | None], deltas: list[int],
            elapsed: float) -> RunReport:
    skipped: dict[str, int] = {}
    for h, problem in zip(push.hashes, problems, strict=True):
        if h is None and problem:
            reason = problem.split(":", 1)[0]
            skipped[reason] = skipped.get(reason, 0) + 1
    return RunReport(
        "push_to_list", ADD.path, rows=len(frame), distinct=sum(1 for h in push.hashes if h),
        cache_hits=push.known, requests_sent=deltas[0], answered=push.confirmed,
        skipped=skipped, failed=dict(push.failed), retries=deltas[1], rate_limited=deltas[2],
        elapsed_s=elapsed,
    )


def reconcile(list_id: str, *, client: Client | None = None) -> dict[str, int]:
    """Settle the uncertain pushes into ``list_id`` by reading the whole list back.

    Rows whose Add to List answer was lost are matched by content against the list:
    those found are remembered as pushed (a later push gives them their id and sends
    nothing for them); the others will be sent by the next push. Sends no Add to List
    request. Returns ``{"uncertain": rows in doubt, "found": adopted, "missing": the
    rest}``; with nothing in doubt it reads nothing.
    """
    with using(client) as c:
        run(c, lambda ac: ac.login())
        with Ledger(list_id, base_url=c.aclient.base_url, account=c.aclient.account) as ledger:
            return _settle(c, ledger, list_id)
