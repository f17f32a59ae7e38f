"""Answers written to the cache in small transactions, each within a short window.

Committing every answer on its own costs a SQLite transaction each (a few hundred
microseconds of the event loop's time, more than the request itself costs the
client). :class:`WriteBehind` gathers the answers of a run and commits them together:
the first answer of a batch starts a timer of ``window`` seconds (50 ms by default,
:data:`~sr_frames.defaults.CACHE_WRITE_WINDOW`) on the running event loop, and the
batch is committed when it fires, or at once when ``max_rows`` answers are waiting.
:meth:`WriteBehind.flush` commits what is left; a run calls it when its sending ends,
also on Ctrl-C or cancellation.

What this promises: while the process lives, every answer is committed within
``window`` seconds of being added (plus however late the event loop runs the timer);
a process killed outright (SIGKILL, a crashed kernel) loses at most the answers of
its last ``window`` seconds. Without a running event loop, every answer is committed
at once.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from sr_frames.cache.store import ResponseCache, Row
from sr_frames.defaults import CACHE_WRITE_BATCH, CACHE_WRITE_WINDOW
from sr_frames.endpoints import Endpoint

__all__ = ["WriteBehind"]


class WriteBehind:
    """Batches answers for one :class:`ResponseCache`; safe to use from several threads."""

    def __init__(self, cache: ResponseCache, *, window: float = CACHE_WRITE_WINDOW,
                 max_rows: int = CACHE_WRITE_BATCH) -> None:
        self.cache, self.window, self.max_rows = cache, window, max_rows
        self._rows: list[Row] = []
        self._lock = threading.Lock()

    def add(self, endpoint: Endpoint, key: str, value: Any, *, not_found: bool = False) -> None:
        """Queue one answer (checked now, as :meth:`ResponseCache.set` checks it); it is
        committed within ``window`` seconds."""
        row = self.cache.row(endpoint, key, value, not_found=not_found)
        with self._lock:
            self._rows.append(row)
            waiting = len(self._rows)
        if waiting >= self.max_rows:
            self.flush()
        elif waiting == 1:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop to run a timer: commit now
                self.flush()
            else:
                loop.call_later(self.window, self.flush)

    def flush(self) -> None:
        """Commit every queued answer now, in one transaction."""
        with self._lock:
            rows, self._rows = self._rows, []
        if rows:
            self.cache.write_rows(rows)

    def __len__(self) -> int:
        """Answers queued, not yet committed."""
        return len(self._rows)
