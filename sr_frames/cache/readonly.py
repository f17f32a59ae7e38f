"""A cache directory this process may read but not write, read all the same.

diskcache opens its database for writing (it creates tables and a write-ahead log), so
a read-only directory (a shared cache on a read-only mount, one owned by someone else)
would otherwise switch the cache off: every answer already paid for asked again.
:class:`ReadOnlyTable` reads diskcache's table through a read-only SQLite connection
instead, offering the two things the response cache reads through: ``_sql`` and
``disk``. Writes are the caller's to skip.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

__all__ = ["DATABASE", "ReadOnlyTable"]

DATABASE = "cache.db"
"""diskcache's database file in a cache directory."""


class _Rows:
    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def fetchall(self) -> list[Any]:
        return self._rows

    def __iter__(self) -> Any:
        return iter(self._rows)


class ReadOnlyTable:
    """diskcache's ``Cache`` table in ``directory``, read only, from any thread.

    Raises ``sqlite3.Error`` or ``OSError`` when there is no table to read. ``disk``
    decodes values as the writing cache would.
    """

    def __init__(self, directory: Path, disk: Any) -> None:
        path = directory / DATABASE
        if not path.is_file():
            raise FileNotFoundError(f"no {DATABASE} in {directory}")
        self.disk = disk
        self._lock = threading.Lock()
        self._connection = _connect(path)

    def _sql(self, query: str, params: tuple[Any, ...] = ()) -> _Rows:
        with self._lock:
            return _Rows(self._connection.execute(query, params).fetchall())

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def _connect(path: Path) -> sqlite3.Connection:
    """A read-only connection that can read the table; a database in WAL mode whose
    shared-memory file cannot be made is opened as immutable (nobody can write it here)."""
    last: sqlite3.Error | None = None
    for flags in ("mode=ro", "immutable=1"):
        connection = sqlite3.connect(f"file:{quote(str(path))}?{flags}", uri=True,
                                     check_same_thread=False)
        try:
            connection.execute("SELECT 1 FROM Cache LIMIT 1").fetchall()
            return connection
        except sqlite3.Error as error:
            connection.close()
            last = error
    assert last is not None
    raise last
