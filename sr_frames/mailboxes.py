"""Mailbox connections and warm-ups from a frame, one request per row.

Columns are named like the request fields of the endpoint (``sender_name``,
``email``, ``username``, ``secret``, ``smtp_host``, ... for connections;
``connection_email``, ``ramp_up_increment``, ... for warm-ups); other columns are
kept and not sent. Values are converted to the field's JSON type (a port read as the
number 993 is sent as ``"993"``; ``1``/``"true"`` as ``true``), timestamps as text.

The mailbox password (``secret``) is wrapped in :class:`~sr_frames.config.Secret`
as soon as it leaves the frame and revealed only inside the request, so it never
reaches a cache (these endpoints are never cached), a log line, the progress bar,
an error message, the run report or the returned frame: the ``secret`` column is
dropped from the result, and the answer's own ``data.secret`` is never read.
"""

from __future__ import annotations

import concurrent.futures
import numbers
import time
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from .client import AsyncClient, Client
from .config import Secret
from .endpoints import Endpoint, Field, endpoint
from .frames import attach
from .lists import describe, is_missing, using
from .progress import Bar, Tally
from .push import maybe_applied
from .report import RunReport, announce, remember

__all__ = ["CONNECTION_COLUMNS", "WARMER_COLUMNS", "create_email_connections", "create_email_warmers"]

CONNECTION_COLUMNS = {"id": "connection_id", "user_id": "connection_user_id",
                      "type": "connection_type", "error": "connection_error"}
"""Answer fields of Email Connection and the result columns they fill (``error`` last)."""

WARMER_COLUMNS = {"id": "warmer_id", "connection_ID": "warmer_connection_id",
                  "status": "warmer_status", "start_date": "warmer_start_date",
                  "created_at": "warmer_created_at", "error": "warmer_error"}
"""Answer fields of Create Email Warmer and the result columns they fill (``error`` last)."""

_POLL_S = 0.1
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def _text(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return value  # left for the client to refuse: a flag is not text
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return str(int(value)) if float(value).is_integer() else str(float(value))
    if isinstance(value, datetime | date | np.datetime64):
        return str(pd.Timestamp(value))
    return value


def _integer(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def _flag(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return value


_CONVERT = {"string": _text, "integer": _integer, "boolean": _flag}


def _fields(frame: pd.DataFrame, ep: Endpoint, verb: str) -> list[Field]:
    """The endpoint fields present as columns; a clear error for missing required ones."""
    missing = [f.name for f in ep.required if f.name not in frame.columns]
    if missing:
        shown = ", ".join(repr(str(c)) for c in frame.columns[:20])
        raise KeyError(f"{verb} needs one column per request field; missing {missing}. "
                       f"Columns: {shown}")
    doubled = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]}
                     & {f.name for f in ep.fields})
    if doubled:
        raise ValueError(f"column(s) {doubled} appear more than once in the frame; rename them first")
    return [f for f in ep.fields if f.name in frame.columns]


def _bodies(frame: pd.DataFrame, fields: Sequence[Field]) -> list[dict[str, Any]]:
    """One request body per row, secrets wrapped, missing values left out."""
    names = [f.name for f in fields]
    bodies = []
    for values in frame[names].itertuples(index=False, name=None):
        body: dict[str, Any] = {}
        for f, value in zip(fields, values, strict=True):
            if is_missing(value):
                continue
            value = _CONVERT.get(f.type, lambda v: v)(value)
            body[f.name] = Secret(str(value)) if f.secret else value
        bodies.append(body)
    return bodies


async def _create(aclient: AsyncClient, ep: Endpoint, body: Mapping[str, Any]) -> Any:
    wire = {k: v.reveal() if isinstance(v, Secret) else v for k, v in body.items()}
    return await aclient.call(ep, wire)


def _row(answer: Any, error: BaseException | None, columns: Mapping[str, str]) -> tuple[dict, str | None]:
    """Result values of one row (read by name from the answer: never ``data.secret``)."""
    if error is not None:
        if maybe_applied(error):
            return {}, (f"uncertain ({describe(error).split(':', 1)[0]}): no clear answer after "
                        "sending, so it may have been created; check before creating it again")
        return {}, describe(error)
    if not isinstance(answer, Mapping):
        return {}, "invalid_response: the answer is not a JSON object"
    return {k: answer.get(k) for k in columns if k != "error"}, None


def _run(frame: pd.DataFrame, method: str, verb: str, columns: Mapping[str, str],
         client: Client | None, progress: bool, overwrite: bool) -> pd.DataFrame:
    started = time.monotonic()
    ep = endpoint(method)
    fields = _fields(frame, ep, verb)
    secret_columns = [c for c in frame.columns if c in ep.secret_fields]
    kept = frame.drop(columns=secret_columns)
    clashes = [c for c in columns.values() if c in kept.columns]
    if clashes and not overwrite:
        raise ValueError(f"result column(s) {clashes} already exist in the frame; "
                         "pass overwrite=True to replace them")
    bodies = _bodies(frame, fields)
    outcomes: list[tuple[dict, str | None]] = [({}, None)] * len(bodies)
    with using(client) as c:
        before = c.aclient.stats.requests
        futures = {c.submit(lambda ac, b=b: _create(ac, ep, b)): i for i, b in enumerate(bodies)}
        bar = Bar(verb, len(futures), 0, enabled=progress and bool(futures))
        try:
            _collect(futures, outcomes, columns, bar, c)
        finally:
            bar.close()
        sent = c.aclient.stats.requests - before
    values = {name: [o[0].get(key) if key != "error" else o[1] for o in outcomes]
              for key, name in columns.items()}
    result = attach(kept, values, overwrite=True)
    report = remember(_report(verb, ep, outcomes, sent, time.monotonic() - started))
    result.attrs["salesrocks"] = report
    announce(report, progress)
    return result


def _collect(futures: Mapping[concurrent.futures.Future[Any], int],
             outcomes: list[tuple[dict, str | None]], columns: Mapping[str, str], bar: Bar,
             client: Client) -> None:
    """Fill ``outcomes`` as answers arrive, keeping the bar current; Ctrl-C cancels the rest."""
    tally, waiting = Tally(), set(futures)
    try:
        while waiting:
            done, waiting = concurrent.futures.wait(
                waiting, timeout=_POLL_S, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                error = future.exception()
                row = outcomes[futures[future]] = _row(None if error else future.result(), error, columns)
                tally.done += 1
                tally.failed += row[1] is not None
            bar.show(tally, client.aclient.stats)
    except BaseException:
        for future in waiting:
            future.cancel()
        raise


def _report(verb: str, ep: Endpoint, outcomes: list[tuple[dict, str | None]], sent: int,
            elapsed: float) -> RunReport:
    failed: dict[str, int] = {}
    for _, error in outcomes:
        if error is not None:
            reason = error.split(":", 1)[0].split(" ", 1)[0]
            failed[reason] = failed.get(reason, 0) + 1
    return RunReport(verb, ep.path, rows=len(outcomes), distinct=len(outcomes), requests_sent=sent,
                     answered=len(outcomes) - sum(failed.values()), failed=failed, elapsed_s=elapsed)


def create_email_connections(frame: pd.DataFrame, *, client: Client | None = None,
                             progress: bool = True, overwrite: bool = False) -> pd.DataFrame:
    """Connect one mailbox per row (Email Connection); a new frame of results back.

    Needs the columns ``sender_name``, ``email``, ``username``, ``secret``,
    ``smtp_host``, ``smtp_port``, ``smtp_encryption``, ``permission`` and
    ``receiving_email``; ``imap_host``, ``imap_port``, ``imap_encryption`` and ``bcc``
    are sent when present. Returns the frame without its ``secret`` column, plus
    ``connection_id``, ``connection_user_id``, ``connection_type`` and
    ``connection_error`` (why a row failed; ``uncertain`` when the answer was lost and
    the connection may exist). The input frame is not modified; nothing is cached.
    """
    return _run(frame, "create_email_connection", "create_email_connections", CONNECTION_COLUMNS,
                client, progress, overwrite)


def create_email_warmers(frame: pd.DataFrame, *, client: Client | None = None,
                         progress: bool = True, overwrite: bool = False) -> pd.DataFrame:
    """Start one warm-up per row (Create Email Warmer); a new frame of results back.

    Needs the columns ``connection_email`` (a mailbox already connected),
    ``ramp_up_increment``, ``ramp_up_limit``, ``start_date`` (text or a timestamp),
    ``timezone``, ``mature`` and ``stop_on_limit_reach``. Returns the frame plus
    ``warmer_id``, ``warmer_connection_id``, ``warmer_status``, ``warmer_start_date``,
    ``warmer_created_at`` and ``warmer_error``. The input frame is not modified.
    """
    return _run(frame, "create_email_warmer", "create_email_warmers", WARMER_COLUMNS,
                client, progress, overwrite)

