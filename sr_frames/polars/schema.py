"""The Polars dtypes of the result columns, and the answers turned into them.

Every result column has the dtype the endpoint table gives its kind
(:meth:`sr_frames.endpoints.Endpoint.column_kinds`), whatever came back, so a run where
every row failed has the schema of one where none did, and a LazyFrame knows its schema
before anything is sent:

* ``label`` -> ``pl.Categorical`` (a small vocabulary: a code per row, each word once);
* ``integer`` -> ``pl.Int64``;
* ``list`` -> ``pl.List(pl.String)``; list memberships -> ``pl.List(pl.Struct)`` of
  ``{id, list_name, date_of_creation, campaigns: [{id, name}]}`` (the reference's answer);
* ``text`` (the error columns included) -> ``pl.String``, null where there is nothing.

An answer that does not fit its dtype is never dropped: a number or a list where text
is expected becomes its JSON text, a lone value where a list is expected a list of one.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from sr_frames.endpoints import WHOLE_ANSWER, ColumnKind, Endpoint

__all__ = ["MEMBERSHIPS", "result_schema", "to_series"]

MEMBERSHIPS = pl.List(pl.Struct({
    "id": pl.Int64,
    "list_name": pl.String,
    "date_of_creation": pl.String,
    "campaigns": pl.List(pl.Struct({"id": pl.Int64, "name": pl.String})),
}))
"""Get List Name and IDs answers a list of lists holding the address, each with the
campaigns using it (the reference's response example)."""

_BY_KIND: dict[ColumnKind, pl.DataType] = {
    "label": pl.Categorical(), "integer": pl.Int64(), "list": pl.List(pl.String), "text": pl.String(),
}


def result_schema(ep: Endpoint, prefix: str = "") -> dict[str, pl.DataType]:
    """The result columns of ``ep``'s verb, in order, and their Polars dtypes."""
    kinds = ep.column_kinds(prefix)
    schema = {column: _BY_KIND[kind] for column, kind in kinds.items()}
    if ep.method == "list_memberships":
        schema[prefix + ep.columns[WHOLE_ANSWER]] = MEMBERSHIPS
    return schema


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _text(value: Any) -> str | None:
    if _missing(value):
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _texts(value: Any) -> list[str | None] | None:
    if _missing(value):
        return None
    items = value if isinstance(value, list | tuple) else [value]
    return [_text(item) for item in items]


def _integer(value: Any) -> int | None:
    return value if type(value) is int else None


def _as_is(value: Any) -> Any:
    return None if _missing(value) else value


_CLEAN = {"label": _text, "text": _text, "integer": _integer, "list": _texts}


def to_series(name: str, values: list[Any], dtype: pl.DataType) -> pl.Series:
    """``values`` (one per distinct outcome, as the answers hold them) as a Series of
    ``dtype``; an answer that does not fit becomes text rather than being lost (in an
    integer column, a value that is no whole number becomes null)."""
    if dtype == MEMBERSHIPS:
        cleaned = [_as_is(v) if isinstance(v, list) or _missing(v) else [v] for v in values]
        return pl.Series(name, cleaned, dtype=dtype, strict=False)
    kind = next(k for k, d in _BY_KIND.items() if d == dtype)
    if kind == "list":
        return _text_lists(name, values)
    found = set(map(type, values)) - {type(None)}  # JSON gives exact types, no subclasses
    if found <= ({int} if kind == "integer" else {str}):
        return pl.Series(name, values, dtype=dtype)
    clean = _CLEAN[kind]
    return pl.Series(name, [clean(v) for v in values], dtype=dtype)


def _text_lists(name: str, values: list[Any]) -> pl.Series:
    """``values`` (lists, or missing) as ``List(String)``, built from one flat column of
    every item (a placeholder for a list with none), grouped back by position: Polars
    builds a list column from Python lists one list at a time, many times slower."""
    lists = [v if type(v) is list else None if _missing(v) else _texts(v) for v in values]
    if not set(map(type, itertools.chain.from_iterable(v for v in lists if v))) <= {str}:
        lists = [None if v is None else _texts(v) for v in lists]
    sizes = np.fromiter((len(v) if v else 0 for v in lists), dtype=np.int64, count=len(lists))
    slots = np.maximum(sizes, 1)
    items = pl.DataFrame({
        "at": np.repeat(np.arange(len(lists), dtype=np.uint32), slots),
        "item": pl.Series(list(itertools.chain.from_iterable(v or (None,) for v in lists)),
                          dtype=pl.String),
        "real": np.repeat(sizes > 0, slots),
    })
    grouped = items.group_by("at", maintain_order=True).agg(pl.col("item").filter(pl.col("real")))
    missing = pl.Series([v is None for v in lists], dtype=pl.Boolean)
    nothing = pl.repeat(None, len(lists), dtype=pl.List(pl.String), eager=True)
    return grouped.get_column("item").zip_with(~missing, nothing).rename(name)
