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
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from sr_frames import defaults
from sr_frames.cells import contact_id, json_record, unique_columns
from sr_frames.client.clients import AsyncClient, Client
from sr_frames.client.failures import describe
from sr_frames.config import batch_size, positive
from sr_frames.endpoints import CONTACT_RESERVED, SECRET_FIELDS
from sr_frames.enrich.columns import column_error
from sr_frames.lists.pages import list_records, read_pages, using

__all__ = [
    "create_list",
    "delete_contacts",
    "get_lists",
    "read_list",
    "update_contacts",
]



# --- the client and pagination, shared with push and mailboxes ------------------------









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
    per_page = positive(page_size, defaults.DEFAULT_PAGE_SIZE, "page_size")
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
                      parts: Sequence[Sequence[Any]]) -> list[Any]:
    calls = [aclient.call(method, {field: list(part)}) for part in parts]
    return await asyncio.gather(*calls, return_exceptions=True)


def _tally(parts: Sequence[Sequence[Any]], answers: list[Any], pattern: re.Pattern[str],
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









