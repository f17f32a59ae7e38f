"""Answers written to the cache in small transactions, each within a short window.

Committing every answer on its own costs a SQLite transaction each: a few hundred
microseconds, more than the request itself costs the client. :class:`WriteBehind`
gathers the answers of a run and commits them together, on the event loop's own
thread: the first answer of a batch starts a timer, and when it fires the batch is
committed, or at once when ``max_rows`` answers are waiting. A commit of a few dozen
answers holds the loop for about a millisecond.

Why on the loop, and never in a thread of its own: a second thread costs more than
the commits it takes over. Every hand-over wakes a sleeping thread and passes the GIL
back and forth, and on a virtual machine each wake-up costs tens of microseconds of
CPU; even at 128 requests in flight, where the loop is busiest, a writer thread cost
more CPU a request and gained no throughput that stood out from the noise, whether it
lived for one run or for the whole process (README, "Benchmarks"). Batches are
committed in the order they were gathered.

Each batch's window is drawn between :data:`~sr_frames.defaults.CACHE_WRITE_WINDOW_LEAST`
and all of ``window`` (50 ms by default, :data:`~sr_frames.defaults.CACHE_WRITE_WINDOW`),
so that the commits do not fall in step with answers that arrive in waves (a server
whose latency is fixed): there, every commit would hold back the wave just arriving.

What this promises: every answer is committed within ``window`` seconds of being
added (plus however late a busy loop runs the timer). :meth:`WriteBehind.flush`, from
any thread, commits everything added so far before it returns; :meth:`WriteBehind.close`
does so, culls the cache's expired rows once and lets go of the connection the loop's
thread used. A run calls them when its sending ends, also on Ctrl-C or cancellation, so
an interrupted run loses nothing; a process killed outright (SIGKILL, a crashed
kernel) loses at most the answers of its last ``window`` seconds. An answer added where
no event loop runs, or after :meth:`close`, is committed at once.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from sr_frames.defaults import CACHE_WRITE_BATCH, CACHE_WRITE_WINDOW, CACHE_WRITE_WINDOW_LEAST
from sr_frames.endpoints import Endpoint

__all__ = ["RowStore", "WriteBehind", "running_loop"]


class RowStore(Protocol):
    """Where :class:`WriteBehind` writes: a :class:`~sr_frames.cache.store.ResponseCache`,
    or the stand-in a Dask worker uses for the cache of the process that started it.
    ``write_rows`` must not wait long: it runs on the event loop."""

    def row(self, endpoint: Endpoint, key: str, value: Any, *, not_found: bool = False) -> Any: ...

    def write_rows(self, rows: Sequence[Any], *, cull: bool = True) -> None: ...

    def cull(self, written: int) -> None: ...

    def close_thread(self) -> None:
        """Let go of what the calling thread opened (its database connection)."""


class WriteBehind:
    """Batches answers for one :class:`RowStore`; ``add`` from the event loop's thread.

    ``rng`` draws each batch's window (a seeded one for tests).
    """

    def __init__(self, cache: RowStore, *, window: float = CACHE_WRITE_WINDOW,
                 max_rows: int = CACHE_WRITE_BATCH, rng: random.Random | None = None) -> None:
        self.cache, self.window, self.max_rows = cache, window, max_rows
        self._rng = rng or random.Random()
        self._rows: list[Any] = []
        self._written = 0
        self._closed = False
        # held while rows are taken and committed: a flush from another thread waits
        # for a commit under way on the loop, so everything added before it has landed
        self._lock = threading.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop whose thread commits

    def add(self, endpoint: Endpoint, key: str, value: Any, *, not_found: bool = False) -> None:
        """Queue one answer (checked now, as ``ResponseCache.set`` checks it); it is
        committed within ``window`` seconds."""
        row = self.cache.row(endpoint, key, value, not_found=not_found)
        loop = running_loop()
        with self._lock:
            if self._closed or loop is None:
                self._commit([row])  # after close (a cancelled run's last answer), or no loop
                return
            self._rows.append(row)
            if len(self._rows) >= self.max_rows:
                self._commit_waiting()
            elif self._timer is None:
                self._loop = loop
                least = CACHE_WRITE_WINDOW_LEAST * self.window
                self._timer = loop.call_later(self._rng.uniform(least, self.window), self._window_ended)

    def flush(self) -> None:
        """Return once every answer added so far is committed (or the cache gave up)."""
        with self._lock:
            self._commit_waiting()

    def close(self) -> None:
        """Commit what is waiting, cull expired rows once for the whole run, and let the
        loop's thread close the connection it committed with (idempotent; later answers
        are committed at once)."""
        with self._lock:
            self._commit_waiting()
            if self._closed:
                return
            self._closed = True
            loop, timer, self._timer = self._loop, self._timer, None
            written = self._written
        self.cache.cull(written)
        if loop is None:
            return
        if running_loop() is loop:
            if timer is not None:
                timer.cancel()
            self.cache.close_thread()
            return
        try:  # the loop runs in another thread: what it holds is closed there
            if timer is not None:
                loop.call_soon_threadsafe(timer.cancel)
            loop.call_soon_threadsafe(self.cache.close_thread)
        except RuntimeError:  # that loop is closed: its thread, and its connection, are gone
            pass

    def __len__(self) -> int:
        """Answers queued, not yet committed."""
        return len(self._rows)

    def _window_ended(self) -> None:
        with self._lock:
            self._timer = None
            self._commit_waiting()

    def _commit_waiting(self) -> None:  # with the lock held
        rows, self._rows = self._rows, []
        self._commit(rows)

    def _commit(self, rows: list[Any]) -> None:  # with the lock held
        if rows:
            self._written += len(rows)
            self.cache.write_rows(rows, cull=False)  # a failing cache warns; rows are dropped


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running in the calling thread, or ``None`` where none runs."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
