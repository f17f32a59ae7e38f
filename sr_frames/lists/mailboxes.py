"""Mailbox connections and warm-ups from a frame, one request per row.

Everything comes from the endpoint table: the request fields (one column each,
named like the field unless a keyword argument names another column), their JSON
types, which field is secret, and the result columns (``Endpoint.columns`` and
``Endpoint.error_column``). Other columns are kept and not sent. Values are
converted to the field's JSON type (a port read as the number 993 is sent as
``"993"``; ``1``/``"true"`` as ``true``), timestamps as text.

The mailbox password (``secret``) is wrapped in :class:`~sr_frames.config.Secret`
as soon as it leaves the frame and revealed only inside the request, so it never
reaches a cache (these endpoints are never cached), a log line, the progress bar,
an error message, the run report or the returned frame: its column is dropped from
the result, and the answer's own ``data.secret`` is never read.
"""

from __future__ import annotations

import concurrent.futures
import functools
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import pandas as pd

from sr_frames.cells import is_missing, unique_columns
from sr_frames.client.clients import AsyncClient, Client
from sr_frames.client.coerce import convert
from sr_frames.client.failures import describe, maybe_applied, reason
from sr_frames.config import Secret
from sr_frames.endpoints import Endpoint, endpoint
from sr_frames.enrich.columns import attach, column_error
from sr_frames.enrich.progress import Bar, Tally, drain
from sr_frames.enrich.report import RunReport, announce, remember
from sr_frames.lists.pages import using

__all__ = ["create_email_connections", "create_email_warmers"]



class _Outcome(NamedTuple):
    """One row's result: answer fields by name, and why it failed (text and reason)."""

    values: Mapping[str, Any]
    error: str | None = None
    reason: str | None = None


def _columns(frame: pd.DataFrame, ep: Endpoint, verb: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """``{field: column}`` for the endpoint fields present in ``frame``.

    ``given`` maps fields to other column names; an unknown field is a ``TypeError``,
    a missing required column the ``KeyError`` every verb raises (close matches named).
    """
    names = {f.name for f in ep.fields}
    unknown = sorted(set(given) - names)
    if unknown:
        raise TypeError(f"{verb}() got unknown field(s) {', '.join(unknown)}; "
                        f"its fields: {', '.join(f.name for f in ep.fields)}")
    columns = {f.name: given.get(f.name, f.name) for f in ep.fields}
    for f in ep.required:
        if columns[f.name] not in frame.columns:
            raise column_error(frame, columns[f.name], f.name)
    present = {name: column for name, column in columns.items() if column in frame.columns}
    unique_columns(frame, present.values())
    return present


def _bodies(frame: pd.DataFrame, ep: Endpoint, columns: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One request body per row, secrets wrapped, missing values left out."""
    fields = [ep.field(name) for name in columns]
    bodies = []
    for values in frame[list(columns.values())].itertuples(index=False, name=None):
        body: dict[str, Any] = {}
        for f, value in zip(fields, values, strict=True):
            if not is_missing(value):
                value = convert(value, f.type)
                body[f.name] = Secret(str(value)) if f.secret else value
        bodies.append(body)
    return bodies


async def _create(aclient: AsyncClient, ep: Endpoint, body: Mapping[str, Any]) -> Any:
    wire = {k: v.reveal() if isinstance(v, Secret) else v for k, v in body.items()}
    return await aclient.call(ep, wire)


def _outcome(ep: Endpoint, answer: Any, error: BaseException | None) -> _Outcome:
    """Result values of one row (read by name from the answer: never ``data.secret``)."""
    if error is not None:
        if maybe_applied(error):
            return _Outcome({}, f"uncertain ({reason(error)}): no clear answer after sending, so "
                                "it may have been created; check before creating it again", "uncertain")
        return _Outcome({}, describe(error), reason(error))
    if not isinstance(answer, Mapping):
        return _Outcome({}, "invalid_response: the answer is not a JSON object", "invalid_response")
    return _Outcome({k: answer.get(k) for k in ep.columns})


def _run(frame: pd.DataFrame, method: str, verb: str, given: Mapping[str, Any],
         client: Client | None, progress: bool, overwrite: bool) -> pd.DataFrame:
    started = time.monotonic()
    ep = endpoint(method)
    columns = _columns(frame, ep, verb, given)
    kept = frame.drop(columns=[c for name, c in columns.items() if ep.field(name).secret])
    clashes = [c for c in ep.result_columns() if c in kept.columns]
    if clashes and not overwrite:
        raise ValueError(f"result column(s) {clashes} already exist in the frame; "
                         "pass overwrite=True to replace them")
    bodies = _bodies(frame, ep, columns)
    outcomes: list[_Outcome | None] = [None] * len(bodies)
    with using(client) as c:
        before = c.aclient.stats.requests
        futures = {c.submit(functools.partial(_create, ep=ep, body=b)): i for i, b in enumerate(bodies)}
        bar = Bar(verb, len(futures), 0, enabled=progress and bool(futures))
        try:
            _collect(ep, futures, outcomes, bar, c)
        except KeyboardInterrupt:
            bar.close()
            announce(remember(_report(verb, ep, outcomes, c.aclient.stats.requests - before,
                                      started, interrupted=True)))
            raise
        finally:
            bar.close()
        report = remember(_report(verb, ep, outcomes, c.aclient.stats.requests - before, started))
    done = [o or _Outcome({}) for o in outcomes]
    values = {name: [o.values.get(key) for o in done] for key, name in ep.columns.items()}
    if ep.error_column:
        values[ep.error_column] = [o.error for o in done]
    result = attach(kept, values, overwrite=True)
    result.attrs["salesrocks"] = report
    announce(report, progress)
    return result


def _collect(ep: Endpoint, futures: Mapping[concurrent.futures.Future[Any], int],
             outcomes: list[_Outcome | None], bar: Bar, client: Client) -> None:
    """Fill ``outcomes`` as answers arrive, keeping the bar current; Ctrl-C cancels the rest."""
    tally = Tally()

    def settle(future: concurrent.futures.Future[Any]) -> None:
        error = future.exception()
        row = outcomes[futures[future]] = _outcome(ep, None if error else future.result(), error)
        tally.done += 1
        tally.failed += row.error is not None

    drain(set(futures), settle, lambda: bar.show(tally, client.aclient.stats))


def _report(verb: str, ep: Endpoint, outcomes: Sequence[_Outcome | None], sent: int, started: float,
            interrupted: bool = False) -> RunReport:
    """The report of this run; ``sent`` is this run's requests (the client's count since it
    began); rows without an outcome yet (an interrupted run) are ``unanswered``."""
    failed: dict[str, int] = {}
    for outcome in outcomes:
        if outcome is not None and outcome.reason is not None:
            failed[outcome.reason] = failed.get(outcome.reason, 0) + 1
    unanswered = outcomes.count(None)
    return RunReport(verb, ep.path, rows=len(outcomes), distinct=len(outcomes), requests_sent=sent,
                     answered=len(outcomes) - unanswered - sum(failed.values()), failed=failed,
                     unanswered=unanswered, elapsed_s=time.monotonic() - started,
                     interrupted=interrupted)


def create_email_connections(frame: pd.DataFrame, *, client: Client | None = None,
                             progress: bool = True, overwrite: bool = False, **columns: str) -> pd.DataFrame:
    """Connect one mailbox per row (Email Connection); a new frame of results back.

    Needs the columns ``sender_name``, ``email``, ``username``, ``secret``,
    ``smtp_host``, ``smtp_port``, ``smtp_encryption``, ``permission`` and
    ``receiving_email``; ``imap_host``, ``imap_port``, ``imap_encryption`` and ``bcc``
    are sent when present. A keyword names another column for a field
    (``secret="mailbox_password"``); a missing column raises ``KeyError`` naming close
    matches. Returns the frame without its ``secret`` column, plus ``connection_id``,
    ``connection_user_id``, ``connection_type`` and ``connection_error`` (why a row
    failed; ``uncertain`` when the answer was lost and the connection may exist). The
    input frame is not modified; nothing is cached; a failed row is never resent.
    """
    return _run(frame, "create_email_connection", "create_email_connections", columns,
                client, progress, overwrite)


def create_email_warmers(frame: pd.DataFrame, *, client: Client | None = None,
                         progress: bool = True, overwrite: bool = False, **columns: str) -> pd.DataFrame:
    """Start one warm-up per row (Create Email Warmer); a new frame of results back.

    Needs the columns ``connection_email`` (a mailbox already connected),
    ``ramp_up_increment``, ``ramp_up_limit``, ``start_date`` (text or a timestamp),
    ``timezone``, ``mature`` and ``stop_on_limit_reach``; a keyword names another
    column for a field (``connection_email="mailbox"``). Returns the frame plus
    ``warmer_id``, ``warmer_connection_id``, ``warmer_status``, ``warmer_start_date``,
    ``warmer_created_at`` and ``warmer_error``. The input frame is not modified.
    """
    return _run(frame, "create_email_warmer", "create_email_warmers", columns,
                client, progress, overwrite)
