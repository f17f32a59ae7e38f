"""Answers written to the cache in small transactions, each within a short window.

Committing every answer on its own costs a SQLite transaction each, on the event
loop's thread: a few hundred microseconds during which no other answer is read, more
than the request itself costs the client. :class:`WriteBehind` hands the answers of a
run to a writer thread of its own, which commits them together: the first answer after
a quiet spell starts a window of ``window`` seconds (50 ms by default,
:data:`~sr_frames.defaults.CACHE_WRITE_WINDOW`), and the batch is committed when it
ends, or at once when ``max_rows`` answers are waiting. While answers keep coming, the
writer sleeps one window after each commit and then commits whatever came meanwhile,
so it wakes once a batch, not twice. SQLite does its work without holding the GIL, so
the event loop goes on reading answers meanwhile; the expired rows of the cache are
culled once, when the writer stops.

What this promises: while the process lives, every answer is committed within
``window`` seconds of being added, plus the time of one commit (and however late a busy
machine wakes the writer);
:meth:`WriteBehind.flush` commits everything added so far before it returns, and
:meth:`WriteBehind.close` does so and stops the thread. A run calls them when its
sending ends, also on Ctrl-C or cancellation, so an interrupted run loses nothing; a
process killed outright (SIGKILL, a crashed kernel) loses at most the answers of its
last ``window`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

from sr_frames.defaults import CACHE_WRITE_BATCH, CACHE_WRITE_WINDOW
from sr_frames.endpoints import Endpoint

__all__ = ["RowStore", "WriteBehind"]


class RowStore(Protocol):
    """Where :class:`WriteBehind` writes: a :class:`~sr_frames.cache.store.ResponseCache`,
    or the stand-in a Dask worker uses for the cache of the process that started it."""

    def row(self, endpoint: Endpoint, key: str, value: Any, *, not_found: bool = False) -> Any: ...

    def write_rows(self, rows: Sequence[Any], *, cull: bool = True) -> None: ...

    def cull(self, written: int) -> None: ...

    def close(self) -> None: ...


class WriteBehind:
    """Batches answers for one :class:`RowStore`; ``add`` from any thread.

    The writer thread starts with the first answer and ends at :meth:`close` (a daemon
    thread, so a forgotten close never keeps the interpreter alive).
    """

    def __init__(self, cache: RowStore, *, window: float = CACHE_WRITE_WINDOW,
                 max_rows: int = CACHE_WRITE_BATCH) -> None:
        self.cache, self.window, self.max_rows = cache, window, max_rows
        self._rows: list[Any] = []
        self._since = 0.0  # when the oldest waiting answer was added
        self._added = self._written = 0  # answers so far: queued, committed (or given up)
        self._changed = threading.Condition(threading.Lock())
        self._closing = False
        self._urgent = 0  # flush() calls waiting: write what is there now
        self._idle = False  # the writer waits for a first answer: wake it when one comes
        self._thread: threading.Thread | None = None

    def add(self, endpoint: Endpoint, key: str, value: Any, *, not_found: bool = False) -> None:
        """Queue one answer (checked now, as :meth:`ResponseCache.set` checks it); it is
        committed within ``window`` seconds."""
        row = self.cache.row(endpoint, key, value, not_found=not_found)
        with self._changed:
            late = self._closing
            if not late:
                self._enqueue(row)
        if late:  # an answer arriving after close (a cancelled run's last one): written now
            self.cache.write_rows([row])

    def _enqueue(self, row: Any) -> None:
        """Queue ``row`` and wake the writer when a window starts or a batch is full
        (the caller holds the condition)."""
        if not self._rows:
            self._since = time.monotonic()
        self._rows.append(row)
        self._added += 1
        if self._thread is None:
            self._thread = threading.Thread(target=self._write_loop, daemon=True,
                                            name="sr_frames-cache-writer")
            self._thread.start()
        if self._idle or len(self._rows) >= self.max_rows:
            self._changed.notify_all()

    def flush(self) -> None:
        """Return once every answer added so far is committed (or the cache gave up)."""
        with self._changed:
            target = self._added
            self._urgent += 1
            self._changed.notify_all()
            try:
                while (self._written < target and self._thread is not None
                       and self._thread.is_alive()):
                    self._changed.wait()
            finally:
                self._urgent -= 1

    def close(self) -> None:
        """Commit what is waiting and stop the writer thread (idempotent)."""
        self.flush()
        with self._changed:
            self._closing = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()

    def __len__(self) -> int:
        """Answers queued, not yet committed."""
        return self._added - self._written

    def _write_loop(self) -> None:
        lingered = False  # whether the writer has just slept one window after a commit
        try:
            while True:
                with self._changed:
                    rows = self._next_batch(lingered)
                    if rows is None:
                        return
                try:
                    self.cache.write_rows(rows, cull=False)  # a failing cache warns; rows dropped
                finally:
                    with self._changed:
                        self._written += len(rows)
                        self._changed.notify_all()
                self._linger()
                lingered = True
        finally:
            self.cache.cull(self._written)  # as diskcache would have, once for the whole run
            self.cache.close()  # this thread's own database connection

    def _linger(self) -> None:
        """Sleep one window after a commit unless something is due at once; the answers
        that come meanwhile are then committed together, without waking the writer."""
        with self._changed:
            if not (self._urgent or self._closing or len(self._rows) >= self.max_rows):
                self._changed.wait(self.window)

    def _next_batch(self, lingered: bool) -> list[Any] | None:
        """Wait (holding the condition) for a batch that is due; ``None`` to stop. After
        a linger, whatever is waiting is due: none of it has waited longer than a window."""
        while True:
            waiting = len(self._rows)
            if waiting:
                due = self._since + self.window
                if (lingered or waiting >= self.max_rows or self._urgent or self._closing
                        or time.monotonic() >= due):
                    # at most max_rows a transaction; the rest keep the older window
                    rows, self._rows = self._rows[:self.max_rows], self._rows[self.max_rows:]
                    return rows
                self._changed.wait(due - time.monotonic())
            elif self._closing:
                return None
            else:
                self._idle, lingered = True, False
                try:
                    self._changed.wait()
                finally:
                    self._idle = False
