"""Editable lists and campaign statistics, as DataFrames in and out.

Every helper takes ``client=`` (a :class:`~sr_frames.client.Client`); without one it
builds a ``Client()`` from the settings and closes it before returning. Nothing here
is ever cached: lists change, and campaign counters move. Reads follow pagination
until a page comes back empty; updates and deletes go in chunks of ``batch_size``
(default 100), concurrently, and a failing chunk is counted and described rather
than raised, so the other chunks still land.

Contact ids come back from the service as ``{"$oid": "..."}``; here they are plain
strings everywhere (the ``_id`` column of :func:`read_list`, the ids that
:func:`update_contacts` and :func:`delete_contacts` accept).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd

from . import config
from .client import AsyncClient, Client
from .endpoints import CONTACT_RESERVED, SECRET_FIELDS
from .errors import AuthenticationError, NotFoundError, SalesRocksError
from .frames import column_error
from .values import batch_size, contact_id, describe, is_missing, json_record, positive, unique_columns

__all__ = [
    "campaign_stats",
    "create_list",
    "delete_contacts",
    "get_lists",
    "read_list",
    "update_contacts",
]

READ_AHEAD = 8
"""Pages requested at once while reading a long list (the first page goes alone)."""


# --- the client and pagination, shared with push and mailboxes ------------------------

@contextmanager
def using(client: Client | None) -> Iterator[Client]:
    """``client``, or a ``Client()`` from the settings that is closed on the way out."""
    if client is not None:
        yield client
        return
    owned = Client()
    try:
        yield owned
    finally:
        owned.close()


async def read_pages(aclient: AsyncClient, method: str, body: Mapping[str, Any],
                     size: int) -> list[dict[str, Any]]:
    """Every record of a paginated endpoint, in order, up to the first empty page.

    A short page does not end the list (a service may cap the page size below
    ``size``): the pages are read until one comes back empty, one request more than
    the pages that hold records. Pages go out in concurrent waves growing to
    ``READ_AHEAD``; after a short page one page is asked alone, to see whether the
    list ended there, and waves grow again if it did not.
    """
    records: list[dict[str, Any]] = []
    page, wave, probing, capped = 1, 1, False, False
    while True:
        calls = [aclient.call(method, {**body, "page": p, "size": size})
                 for p in range(page, page + wave)]
        answers = await asyncio.gather(*calls, return_exceptions=True)
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
            if not answer:
                return records
            records.extend(answer)
        capped = capped or probing  # a page after a short one: the service caps the size
        probing = not capped and len(answers[-1]) < size
        page, wave = page + wave, 1 if probing else min(2 * wave, READ_AHEAD)


def check_list(client: Client, list_id: str) -> None:
    """Raise ``NotFoundError`` (or ``AuthenticationError``) now for a list that is not
    there or not readable, with one one-row read; any other failure is ignored here,
    left for the requests that follow to meet and report."""
    try:
        client.run(lambda ac: ac.call("get_list_data", {"list_id": list_id, "page": 1, "size": 1}))
    except (NotFoundError, AuthenticationError):
        raise
    except SalesRocksError:
        return


def list_records(client: Client, list_id: str, size: int | None = None) -> list[dict[str, Any]]:
    """Every contact of ``list_id`` as the service returns them (all pages)."""
    per_page = positive(size, config.DEFAULT_PAGE_SIZE, "page_size")
    return client.run(lambda ac: read_pages(ac, "get_list_data", {"list_id": list_id}, per_page))


# --- lists -----------------------------------------------------------------------------

def create_list(list_name: str, permission: str = "private", *, client: Client | None = None) -> str:
    """Create an editable list and return its id (the string the other helpers take).

    ``permission`` is ``"private"`` or ``"company"`` (everyone in the company may read
    it). Never retried after an answer was lost: a lost answer raises, and the list may
    exist; look for it with :func:`get_lists` before creating it again.
    """
    with using(client) as c:
        return c.create_list(list_name, permission=permission)


def read_list(list_id: str, *, client: Client | None = None, page_size: int | None = None) -> pd.DataFrame:
    """Every contact of ``list_id`` (all pages, in list order) as a new DataFrame.

    ``_id`` comes first, as a plain string column; the contact's fields follow in the
    order they first appear; ``list_id`` is kept. An empty list gives an empty frame
    with the columns ``_id`` and ``list_id``. ``page_size`` defaults to 100.
    """
    with using(client) as c:
        records = list_records(c, list_id, page_size)
    rows = [{**r, "_id": contact_id(r.get("_id"))} for r in records]
    frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame(columns=list(CONTACT_RESERVED))
    first = ["_id"] + [col for col in frame.columns if col != "_id"]
    return frame[first]


def get_lists(*, client: Client | None = None, page_size: int | None = None) -> pd.DataFrame:
    """The caller's editable lists (all pages) as a new DataFrame, one row per list.

    Columns as the service names them (``id``, ``uuid``, ``name``, ``permissions``,
    ``created_at``, ...); ``uuid`` is the id the other helpers take.
    """
    per_page = positive(page_size, config.DEFAULT_PAGE_SIZE, "page_size")
    with using(client) as c:
        records = c.run(lambda ac: read_pages(ac, "get_lists", {}, per_page))
    return pd.DataFrame.from_records(records) if records else pd.DataFrame()


# --- updates and deletes ---------------------------------------------------------------

_MATCHED = re.compile(r"(\d+)\s+matched\D+?(\d+)\s+modified", re.IGNORECASE)
_DELETED = re.compile(r"deleted\s+(\d+)", re.IGNORECASE)


def _update_rows(frame: pd.DataFrame, id_column: Any) -> tuple[list[dict[str, Any]], int]:
    """One update object per row with an id; the count of rows without one."""
    if id_column not in frame.columns:
        raise column_error(frame, id_column, "id_column")
    left_out = {id_column, *CONTACT_RESERVED, *SECRET_FIELDS}
    fields = [c for c in frame.columns if c not in left_out]
    unique_columns(frame, [id_column, *fields])
    rows, skipped = [], 0
    for record in frame[[id_column, *fields]].itertuples(index=False, name=None):
        oid = contact_id(record[0])
        if oid is None:
            skipped += 1
            continue
        try:
            changes = json_record(fields, record[1:])
        except ValueError as error:
            raise ValueError(f"update_contacts: the row with _id {oid!r} holds {error}; "
                             "replace it before updating") from None
        rows.append({"_id": oid, **changes})
    return rows, skipped


async def _each_chunk(aclient: AsyncClient, method: str, field: str,
                      parts: list[Sequence[Any]]) -> list[Any]:
    calls = [aclient.call(method, {field: list(part)}) for part in parts]
    return await asyncio.gather(*calls, return_exceptions=True)


def _tally(parts: list[Sequence[Any]], answers: list[Any], pattern: re.Pattern[str],
           names: tuple[str, ...]) -> dict[str, Any]:
    counts: dict[str, Any] = dict.fromkeys(names, 0)
    counts.update(failed=0, errors=[])
    for part, answer in zip(parts, answers, strict=True):
        if isinstance(answer, BaseException):
            if not isinstance(answer, Exception):
                raise answer
            counts["failed"] += len(part)
            counts["errors"].append(describe(answer))
            continue
        found = pattern.search(answer) if isinstance(answer, str) else None
        if found is None:
            counts["unparsed"] = counts.get("unparsed", 0) + len(part)
            continue
        for name, number in zip(names, found.groups(), strict=True):
            counts[name] += int(number)
    return counts


def update_contacts(frame: pd.DataFrame, *, client: Client | None = None,
                    chunk_size: int | None = None, id_column: str = "_id") -> dict[str, Any]:
    """Set fields on existing contacts from a frame with an ``_id`` column (as
    :func:`read_list` gives; ``id_column`` names another).

    Every other column is a field to set, except ``_id`` and ``list_id`` (the service
    owns them: a contact does not move) and ``password``/``secret`` columns, which are
    never sent. Missing values (NaN, None) are left out, so they never blank a field.
    A missing ``id_column`` raises ``KeyError`` naming close matches. Rows without an
    id are skipped. The frame is not modified. Returns counts: ``rows`` sent,
    ``matched`` and ``modified`` as the service counts them, ``skipped``, ``failed``
    (rows of chunks that failed) and ``errors`` (one line per failed chunk).
    """
    rows, skipped = _update_rows(frame, id_column)
    size = batch_size(chunk_size)
    parts = [rows[i:i + size] for i in range(0, len(rows), size)]
    with using(client) as c:
        answers = c.run(lambda ac: _each_chunk(ac, "update_list_data", "data", parts)) if parts else []
    counts = _tally(parts, answers, _MATCHED, ("matched", "modified"))
    return {"rows": len(rows), **counts, "skipped": skipped}


def _as_ids(ids: Iterable[Any] | str) -> list[str]:
    if isinstance(ids, str):
        ids = [ids]
    return list(dict.fromkeys(i for i in map(contact_id, ids) if i is not None))


def delete_contacts(ids: Iterable[Any] | str, *, client: Client | None = None,
                    chunk_size: int | None = None) -> dict[str, Any]:
    """Delete contacts by id (strings, ``{"$oid": ...}``, a Series such as ``read_list(...)["_id"]``).

    Missing values and repeats are dropped. Returns counts: ``requested`` (distinct
    ids sent), ``deleted`` as the service counts them (ids that were not there are
    not counted), ``failed`` (ids of chunks that failed) and ``errors``.
    """
    distinct = _as_ids(ids)
    size = batch_size(chunk_size)
    parts = [distinct[i:i + size] for i in range(0, len(distinct), size)]
    with using(client) as c:
        answers = c.run(lambda ac: _each_chunk(ac, "delete_list_data", "ids", parts)) if parts else []
    return {"requested": len(distinct), **_tally(parts, answers, _DELETED, ("deleted",))}


# --- campaigns -------------------------------------------------------------------------

def _campaign_number(value: Any) -> int | None:
    if isinstance(value, bool) or is_missing(value):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number == value or str(number) == str(value).strip() else None


async def _statistics(aclient: AsyncClient, numbers: list[int]) -> list[Any]:
    calls = [aclient.call("campaign_statistics", {"campaign_id": n}) for n in numbers]
    return await asyncio.gather(*calls, return_exceptions=True)


def campaign_stats(campaign_ids: Iterable[Any], *, client: Client | None = None) -> pd.DataFrame:
    """Statistics of many drip campaigns as one new DataFrame, one row per id given.

    Rows keep the input order (and a Series' index); ``campaign_id`` comes first, the
    service's counters follow (``campaign_name``, ``sent``, ``opened``, ...), and
    ``error`` says why a row has none (``not_found: ...``, ``invalid: ...``). Each
    distinct id is asked once, all concurrently; nothing is cached (counters move).
    """
    index = campaign_ids.index if isinstance(campaign_ids, pd.Series) else None
    given = list(campaign_ids)
    numbers = [_campaign_number(v) for v in given]
    distinct = list(dict.fromkeys(n for n in numbers if n is not None))
    with using(client) as c:
        answers = c.run(lambda ac: _statistics(ac, distinct)) if distinct else []
    by_number = dict(zip(distinct, answers, strict=True))
    rows = [_campaign_row(v, n, by_number) for v, n in zip(given, numbers, strict=True)]
    return pd.DataFrame.from_records(rows, index=index, columns=_campaign_columns(rows))


def _campaign_row(value: Any, number: int | None, answers: Mapping[int, Any]) -> dict[str, Any]:
    if number is None:
        return {"campaign_id": value, "error": "invalid: a campaign id is a whole number"}
    answer = answers[number]
    if isinstance(answer, BaseException):
        if not isinstance(answer, Exception):
            raise answer
        return {"campaign_id": number, "error": describe(answer)}
    if not isinstance(answer, Mapping):
        return {"campaign_id": number, "error": "invalid_response: not a JSON object"}
    return {"campaign_id": number, **answer, "error": None}


def _campaign_columns(rows: list[dict[str, Any]]) -> list[str]:
    names = dict.fromkeys(["campaign_id"])
    for row in rows:
        names.update(dict.fromkeys(k for k in row if k != "error"))
    return [*names, "error"]
