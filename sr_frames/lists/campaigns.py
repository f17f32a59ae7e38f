"""Campaign statistics, one row per campaign: failures in ``error``, never raised."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from sr_frames.cells import is_missing
from sr_frames.client.clients import AsyncClient, Client
from sr_frames.client.failures import describe
from sr_frames.lists.pages import using

__all__ = ["campaign_stats"]


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
