"""Push the rows of a frame into an editable list, once each, whatever happens on the way.

:func:`push_to_list` sends each row as a contact through Add to List, in chunks, and
records every confirmed row in the :class:`~sr_frames.lists.ledger.Ledger`. Three outcomes
per chunk:

* confirmed: the rows get their ``sr_contact_id``, the ledger remembers them;
* refused before it could be applied (400, 403, 404, a 429 or a refused connection
  beyond the client's retries): ``sr_push_error`` says why, and the next push sends
  the rows again;
* uncertain (timeout, dropped connection, 5xx, an unreadable answer, a Ctrl-C while
  it was in flight): the service may have added the rows. They are never resent
  blindly: the ledger marks them, and the next push (or :func:`reconcile`) reads the
  list back and matches rows by content before sending, so the rows that did land
  are adopted and only the others are sent.

:func:`push_estimate` says what a push would send, from the ledger alone.
"""

from __future__ import annotations

import concurrent.futures
import functools
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sr_frames.cells import contact_id, json_rows, unique_columns
from sr_frames.client.clients import AsyncClient, Client
from sr_frames.client.failures import describe, may_still_land, maybe_applied, reason
from sr_frames.config import batch_size, budget
from sr_frames.defaults import LANDING_WAIT_CAP
from sr_frames.endpoints import CONTACT_RESERVED, ENDPOINTS, SECRET_FIELDS, endpoint
from sr_frames.enrich.columns import attach, column_error, original_columns
from sr_frames.enrich.progress import Bar, Tally, drain
from sr_frames.enrich.report import RunReport, announce, remember
from sr_frames.errors import InvalidResponseError, SalesRocksError
from sr_frames.lists.ledger import Ledger, fingerprint, ledger_directory
from sr_frames.lists.pages import check_list, list_records, using

__all__ = ["RESULT_COLUMNS", "push_estimate", "push_to_list", "reconcile"]

ADD = endpoint("add_to_list")
RESULT_COLUMNS = ("sr_contact_id", "sr_push_error")


# --- what to send ----------------------------------------------------------------------

def contact_columns(frame: pd.DataFrame, columns: str | Sequence[str] | None = None) -> list[str]:
    """The columns pushed: ``columns``, or the frame's original columns (no result
    column of any verb, no ``_id``/``list_id``, no ``password``/``secret``)."""
    if columns is None:
        results = [c for e in ENDPOINTS for c in e.result_columns()]
        names = original_columns(frame, [*results, *RESULT_COLUMNS, *CONTACT_RESERVED, *SECRET_FIELDS])
    else:
        names = [columns] if isinstance(columns, str) else list(columns)
        for name in names:
            if name not in frame.columns:
                raise column_error(frame, name, "columns")
        reserved = [n for n in names if n in CONTACT_RESERVED]
        if reserved:
            raise ValueError(f"column(s) {reserved} name fields the service sets itself; "
                             "leave them out of columns=")
    unique_columns(frame, names)
    if not names:
        raise ValueError("there is no column to push; pass columns=[...]")
    return names


# --- one push --------------------------------------------------------------------------

@dataclass
class _Push:
    """State of one push, kept on the calling thread."""

    list_id: str
    hashes: list[str | None]
    errors: list[str | None]
    ledger: Ledger
    force: bool
    landing_s: float = 0.0
    """How long a request sent without an answer may still take to land: the client's
    timeout, the time we would have waited for its answer."""
    ids: list[str | None] = field(init=False)
    tally: Tally = field(default_factory=Tally)
    confirmed: int = 0
    held: int = 0
    read_back: bool = False
    failed: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ids = [None] * len(self.hashes)

    def pending(self) -> list[int]:
        """Rows to send, in frame order; rows the ledger already knows get their id."""
        if not self.force:
            self.ids = self.ledger.match(self.hashes)
        return [i for i, h in enumerate(self.hashes) if h and self.ids[i] is None]

    def fingerprints(self, rows: Iterable[int]) -> list[str]:
        """The fingerprints of ``rows`` sent: :meth:`pending` gives only rows that have one."""
        return [h for i in rows if (h := self.hashes[i]) is not None]

    def fail(self, rows: Iterable[int], text: str, why: str) -> None:
        for i in rows:
            self.errors[i] = text
            self.failed[why] = self.failed.get(why, 0) + 1

    def hold(self, todo: list[int], allowed: int, limit: int) -> list[int]:
        """The first ``allowed`` rows of ``todo``; the others are left for the next run."""
        for i in todo[allowed:]:
            self.errors[i] = f"not sent: max_requests={limit} reached; run again to continue"
        self.held = max(0, len(todo) - allowed)
        return todo[:allowed]

    def settle_doubts(self, client: Client, todo: list[int], *, progress: bool = False) -> list[int]:
        """Reconcile first when rows to send have uncertain twins; the rows still to send."""
        doubt = {} if self.force else self.ledger.uncertain()
        if not any(self.hashes[i] in doubt for i in todo):
            return todo
        try:
            _settle(client, self.ledger, self.list_id, progress=progress)
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
            found = [contact_id(a) for a in answer] if isinstance(answer, list) else []
            oids = [oid for oid in found if oid is not None]
            if len(found) != len(rows) or len(oids) != len(found):
                error = InvalidResponseError(f"{ADD.path} answered {len(found)} ids for {len(rows)} rows")
        if error is None:
            self.ledger.confirm(list(zip(self.fingerprints(rows), oids, strict=True)),
                                newest_first=self.force)
            for i, oid in zip(rows, oids, strict=True):
                self.ids[i], self.errors[i] = oid, None
            self.confirmed += len(rows)
        elif maybe_applied(error):
            later = self.landing_s if may_still_land(error) else 0.0
            self.ledger.mark_uncertain(self.fingerprints(rows), lands_by=time.time() + later)
            self.fail(rows, f"uncertain ({reason(error)}): no clear answer after sending, so the "
                            "row may be in the list; push again to reconcile", "uncertain")
        else:
            self.fail(rows, describe(error), reason(error))
        self.tally.done += len(rows)
        self.tally.failed += 0 if error is None else len(rows)


def _settle(client: Client, ledger: Ledger, list_id: str, *, progress: bool = False) -> dict[str, int]:
    """Read the list back (only if rows are in doubt, and once requests sent without an
    answer may have landed) and settle the doubt from it."""
    if not ledger.uncertain():
        return ledger.settle_records([])
    _await_landing(ledger, progress)
    return ledger.settle_records(list_records(client, list_id))


def _await_landing(ledger: Ledger, progress: bool) -> None:
    """Sleep until the requests in doubt may have landed (at most ``LANDING_WAIT_CAP``):
    a list read back before a chunk still on its way lands would not show it, and the
    chunk would be sent twice."""
    wait = min(ledger.lands_by() - time.time(), LANDING_WAIT_CAP)
    if wait <= 0:
        return
    if progress:
        print(f"push_to_list: waiting {wait:.0f} s for requests sent without an answer to land, "
              "then reading the list back", file=sys.stderr, flush=True)
    time.sleep(wait)


def _send(client: Client, push: _Push, contacts_: list[dict | None], todo: list[int],
          size: int, bar: Bar) -> None:
    """Send ``todo`` in chunks, concurrently; record each chunk as its answer arrives.

    On any exception (Ctrl-C, a failing ledger), every chunk not yet recorded, finished
    or not, is marked uncertain before re-raising: it may have landed.
    """
    futures: dict[concurrent.futures.Future[Any], list[int]] = {}
    for start in range(0, len(todo), size):
        rows = todo[start:start + size]
        body = {"list_id": push.list_id, "data": [contacts_[i] for i in rows]}
        futures[client.submit(functools.partial(AsyncClient.call, endpoint=ADD, body=body))] = rows
    unrecorded = set(futures)

    def record(future: concurrent.futures.Future[Any]) -> None:
        error = future.exception()
        push.record(futures[future], None if error else future.result(), error)

    try:
        drain(unrecorded, record, lambda: bar.show(push.tally, client.aclient.stats))
    except BaseException:
        push.ledger.mark_uncertain(push.fingerprints(i for f in unrecorded for i in futures[f]),
                                   lands_by=time.time() + push.landing_s)
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
    max_requests: int | None = None,
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
    list back and matches them by content before sending, so nothing is duplicated
    (first waiting, if need be, until a request never answered may have landed: the
    client's ``timeout`` after we stopped waiting for it).

    ``max_requests=N`` sends at most N Add to List requests (the reads that check the
    list or reconcile are not counted); the rows beyond them, in frame order, get
    ``not sent: max_requests=N reached; run again to continue``, and the next push
    continues with them. The run report is in ``result.attrs["salesrocks"]`` and
    :func:`last_report`; on Ctrl-C it is shown marked interrupted and the interrupt
    is raised again, every chunk in flight marked uncertain.

    Raises before sending anything: ``AuthenticationError`` for refused credentials,
    ``NotFoundError`` for a list that does not exist (or is not readable).
    """
    started = time.monotonic()
    names = contact_columns(frame, columns)
    contacts_, errors = json_rows(frame, names)
    size, limit = batch_size(chunk_size), budget(max_requests)
    with using(client) as c:
        c.run(lambda ac: ac.login())
        before = _counters(c.aclient)
        with Ledger(list_id, base_url=c.base_url, account=c.account) as ledger:
            push = _Push(list_id, [fingerprint(x) if x else None for x in contacts_], errors, ledger, force,
                         landing_s=c.aclient.timeout)
            todo = push.settle_doubts(c, push.pending(), progress=progress)
            if limit is not None:
                todo = push.hold(todo, limit * size, limit)
            if todo and not push.read_back:
                check_list(c, list_id)
            known = sum(1 for i in push.ids if i is not None)
            bar = Bar("push_to_list", len(todo), 0, enabled=progress and bool(todo))
            try:
                _send(c, push, contacts_, todo, size, bar)
            except KeyboardInterrupt:
                bar.close()
                announce(remember(_report(push, known, before, c.aclient, started, True)))
                raise
            finally:
                bar.close()
        report = remember(_report(push, known, before, c.aclient, started))
    result = attach(frame, {"sr_contact_id": push.ids, "sr_push_error": push.errors}, overwrite=True)
    result.attrs["salesrocks"] = report
    announce(report, progress)
    return result


def _counters(aclient: AsyncClient) -> tuple[int, int, int]:
    return aclient.stats.requests, aclient.stats.retries, aclient.stats.rate_limited


def _report(push: _Push, known: int, before: tuple[int, int, int], aclient: AsyncClient,
            started: float, interrupted: bool = False) -> RunReport:
    """The report of this run: request counters are the client's since ``before``."""
    deltas = [b - a for a, b in zip(before, _counters(aclient), strict=True)]
    skipped: dict[str, int] = {}
    for h, problem in zip(push.hashes, push.errors, strict=True):
        if h is None and problem:
            why = problem.split(":", 1)[0]
            skipped[why] = skipped.get(why, 0) + 1
    return RunReport(
        "push_to_list", ADD.path, rows=len(push.hashes), distinct=sum(1 for h in push.hashes if h),
        cache_hits=known, requests_sent=deltas[0], answered=push.confirmed, skipped=skipped,
        failed=dict(push.failed), unanswered=push.held, retries=deltas[1], rate_limited=deltas[2],
        elapsed_s=time.monotonic() - started, interrupted=interrupted,
    )


def push_estimate(frame: pd.DataFrame, list_id: str, columns: str | Sequence[str] | None = None, *,
                  force: bool = False, client: Client | None = None, chunk_size: int | None = None,
                  max_requests: int | None = None) -> dict[str, int]:
    """What :func:`push_to_list` with the same arguments would send, from the ledger alone.

    Sends nothing, not even a login: the list's ledger is found by the service's base
    URL and the account (the username, else the token's ``sub``) of ``client`` or of
    the settings. Returns ``rows`` in the frame; ``skipped`` (nothing to send, or
    infinity); ``already_pushed`` (confirmed, not sent again; 0 with ``force``);
    ``to_send``; ``uncertain``, those of ``to_send`` whose earlier answer was lost: the
    push first reads the list back, which may adopt them, so ``to_send`` is an upper
    bound; ``held`` back by ``max_requests``; ``requests``, Add to List requests.
    """
    contacts_, _ = json_rows(frame, contact_columns(frame, columns))
    hashes = [fingerprint(x) if x else None for x in contacts_]
    size, limit = batch_size(chunk_size), budget(max_requests)
    known: list[str | None] = [None] * len(hashes)
    doubt: dict[str, int] = {}
    if not force and ledger_directory().is_dir():
        aclient = client.aclient if client is not None else AsyncClient()  # no session, no request
        with Ledger(list_id, base_url=aclient.base_url, account=aclient.account) as ledger:
            known, doubt = ledger.match(hashes), ledger.uncertain()
    todo = [h for h, oid in zip(hashes, known, strict=True) if h and oid is None]
    sendable = len(todo) if limit is None else min(len(todo), limit * size)
    sending = Counter(todo[:sendable])
    return {
        "rows": len(hashes), "skipped": hashes.count(None),
        "already_pushed": sum(1 for oid in known if oid), "to_send": sendable,
        "uncertain": sum(min(n, sending[h]) for h, n in doubt.items() if h in sending),
        "held": len(todo) - sendable, "requests": -(-sendable // size),
    }


def reconcile(list_id: str, *, client: Client | None = None) -> dict[str, int]:
    """Settle the uncertain pushes into ``list_id`` by reading the whole list back.

    Rows whose Add to List answer was lost are matched by content against the list:
    those found are remembered as pushed (a later push gives them their id and sends
    nothing for them); the others will be sent by the next push. Sends no Add to List
    request. Returns ``{"uncertain": rows in doubt, "found": adopted, "missing": the
    rest}``; with nothing in doubt it reads nothing. Before reading, it waits until
    requests sent without an answer may have landed: the ``timeout`` of the client that
    sent them, counted from when it gave up on them.
    """
    with using(client) as c:
        c.run(lambda ac: ac.login())
        with Ledger(list_id, base_url=c.base_url, account=c.account) as ledger:
            return _settle(c, ledger, list_id)
