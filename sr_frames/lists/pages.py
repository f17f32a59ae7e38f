"""The client and pagination of the list endpoints, shared by every list helper.

:func:`using` lends a client (the caller's, or a new one closed afterwards);
:func:`read_pages` follows pagination; :func:`check_list` and :func:`list_records`
read one list back.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sr_frames import defaults
from sr_frames.client.clients import AsyncClient, Client
from sr_frames.config import positive
from sr_frames.defaults import READ_AHEAD
from sr_frames.errors import AuthenticationError, InvalidResponseError, NotFoundError, SalesRocksError

__all__ = ["check_list", "list_records", "read_pages", "using"]


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
                     size: int, *, max_pages: int = defaults.MAX_PAGES) -> list[dict[str, Any]]:
    """Every record of a paginated endpoint, in order, up to the first empty page.

    A short page does not end the list (a service may cap the page size below
    ``size``): the pages are read until one comes back empty, one request more than
    the pages that hold records. Pages go out in concurrent waves growing to
    :data:`~sr_frames.defaults.READ_AHEAD`; after a short page one page is asked alone, to see whether the
    list ended there, and waves grow again if it did not.

    Raises ``InvalidResponseError`` when a page repeats an earlier one (a service that
    ignores ``page`` would otherwise be read forever) or when ``max_pages`` pages
    (:data:`~sr_frames.defaults.MAX_PAGES`) all held records.
    """
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}  # a digest of each page's records -> its number
    page, wave, probing, capped = 1, 1, False, False
    while True:
        numbers = range(page, min(page + wave, max_pages + 1))
        if not numbers:
            raise InvalidResponseError(
                f"{method} still had records after {max_pages:,} pages ({len(records):,} "
                "records); stopped there. Raise max_pages if the list is really that long")
        calls = [aclient.call(method, {**body, "page": p, "size": size}) for p in numbers]
        answers = await asyncio.gather(*calls, return_exceptions=True)
        for number, answer in zip(numbers, answers, strict=True):
            if isinstance(answer, BaseException):
                raise answer
            if not answer:
                return records
            _check_new(method, number, answer, seen)
            records.extend(answer)
            short = len(answer) < size
        capped = capped or probing  # a page after a short one: the service caps the size
        probing = not capped and short
        page, wave = page + len(numbers), 1 if probing else min(2 * wave, READ_AHEAD)


def _check_new(method: str, number: int, answer: Any, seen: dict[str, int]) -> None:
    """Raise ``InvalidResponseError`` if page ``number`` holds the records of a page
    already read."""
    digest = hashlib.sha256(json.dumps(answer, sort_keys=True, default=str).encode(
        "utf-8", "surrogatepass")).hexdigest()
    if digest in seen:
        raise InvalidResponseError(
            f"{method} answered page {number} with the records of page {seen[digest]}: the "
            "service ignores the page asked for; stopped reading there")
    seen[digest] = number


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
    per_page = positive(size, defaults.DEFAULT_PAGE_SIZE, "page_size")
    return client.run(lambda ac: read_pages(ac, "get_list_data", {"list_id": list_id}, per_page))
