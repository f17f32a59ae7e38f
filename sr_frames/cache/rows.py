"""Reading many rows of a diskcache table at once: one ``SELECT ... IN`` per chunk.

Both the response cache and the push ledger read thousands of keys at a time; a
``get()`` per key costs a query each. Only ``raw = 1`` rows are read, so no key is ever
unpickled (diskcache pickles anything that is not raw).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sr_frames.defaults import SQLITE_KEYS_PER_SELECT

__all__ = ["raw_rows"]

_SELECT = "SELECT key, mode, filename, value FROM Cache WHERE raw = 1 AND key IN ({})"
_UNEXPIRED = " AND (expire_time IS NULL OR expire_time > ?)"

Row = tuple[str, int, Any, Any]


def raw_rows(sql: Callable[..., Any], keys: Sequence[str], *,
             now: float | None = None) -> Iterator[list[Row]]:
    """The ``(key, mode, filename, value)`` rows of ``keys``, one list per chunk of
    :data:`~sr_frames.defaults.SQLITE_KEYS_PER_SELECT` keys; with ``now``, expired rows
    are left out. ``sql`` is diskcache's ``Cache._sql`` (its per-thread connection)."""
    for start in range(0, len(keys), SQLITE_KEYS_PER_SELECT):
        chunk = keys[start:start + SQLITE_KEYS_PER_SELECT]
        query = _SELECT.format(",".join("?" * len(chunk)))
        if now is None:
            yield sql(query, tuple(chunk)).fetchall()
        else:
            yield sql(query + _UNEXPIRED, (*chunk, now)).fetchall()
