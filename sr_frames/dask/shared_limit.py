"""Limits shared by every process that uses one cache directory.

On Dask, each worker process runs its own client, so a rate limit or a request budget
kept in memory would be one per worker. These live in a small SQLite file instead,
``<cache dir>/shared/limits.db`` (a directory created 0700, plain numbers only), where
every change is one ``BEGIN IMMEDIATE`` transaction: the worker processes of one
machine, and any process sharing that directory, see one limit between them.

- :class:`SharedRateLimiter` spaces attempts ``1 / rate`` seconds apart across all of
  them, and holds them all back while a 429's ``Retry-After`` runs (with no rate, it
  does only that); it has the ``wait()`` and ``pause()`` of
  :class:`sr_frames.client.limits.RateLimiter`, so a client can use either.
- :func:`take_budget` hands out what is left of a run's ``max_requests``.

Times are wall-clock seconds (``time.time``), the one clock every process of a machine
reads alike. A store that fails (locked for too long, unwritable) never stops a run:
the limiter falls back to spacing this process's own attempts and says so once with a
:class:`~sr_frames.cache.CacheWarning`; a budget grants nothing.
"""

from __future__ import annotations

import asyncio
import math
import os
import sqlite3
import threading
import time
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sr_frames.cache.store import CacheWarning
from sr_frames.defaults import SHARED_BUDGET_EXPIRY, SHARED_LIMIT_LOCK_TIMEOUT, SHARED_LIMIT_STALE_AFTER

__all__ = ["SHARED_SUBDIR", "SharedRateLimiter", "take_budget"]

SHARED_SUBDIR = "shared"
"""The sub-directory of the cache directory that holds the shared limits."""

_SCHEMA = "CREATE TABLE IF NOT EXISTS limits (key TEXT PRIMARY KEY, value REAL NOT NULL, expires REAL)"


def _connect(cache_dir: str | os.PathLike[str]) -> sqlite3.Connection:
    directory = Path(cache_dir).expanduser() / SHARED_SUBDIR
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    con = sqlite3.connect(directory / "limits.db", timeout=SHARED_LIMIT_LOCK_TIMEOUT, isolation_level=None,
                          check_same_thread=False)
    try:
        con.execute(_SCHEMA)
    except BaseException:
        con.close()
        raise
    return con


def _current(stored: float | None, now: float) -> float:
    """A stored time, or ``-inf`` when there is none or it is further ahead than
    ``SHARED_LIMIT_STALE_AFTER`` (left over from a clock that jumped)."""
    return -math.inf if stored is None or stored - now > SHARED_LIMIT_STALE_AFTER else stored


def _update(con: sqlite3.Connection, key: str, change: Callable[[float | None], float],
            expires: float | None = None) -> float:
    """Replace ``key``'s value ``v`` by ``change(v)`` in one transaction; the new value."""
    con.execute("BEGIN IMMEDIATE")  # waits up to SHARED_LIMIT_LOCK_TIMEOUT for another writer
    try:
        row = con.execute("SELECT value FROM limits WHERE key = ?", (key,)).fetchone()
        value = change(None if row is None else float(row[0]))
        con.execute("INSERT OR REPLACE INTO limits (key, value, expires) VALUES (?, ?, ?)",
                    (key, value, expires))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return value


class SharedRateLimiter:
    """At most ``rate`` attempts per second across every process sharing ``cache_dir``,
    and none at all while one of them is paused by a 429.

    ``scope`` names what is limited (the service and the account): limiters with the same
    scope, rate and directory share one schedule, and those with the same scope share
    pauses. A request is never sent before its slot; one held up (a busy machine) may go
    out late, close to the next. ``rate=None`` shares pauses only. Usable from any
    thread; call :meth:`close` when done.
    """

    def __init__(self, rate: float | None, cache_dir: str | os.PathLike[str], scope: str, *,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        if rate is not None and not rate > 0:
            raise ValueError(f"rate must be positive, got {rate!r}")
        self.interval = 0.0 if rate is None else 1.0 / rate
        self.key = f"rate:{scope}:{rate!r}"
        self.pause_key = f"pause:{scope}"
        self._clock = clock
        self._sleep = sleep
        self._directory = cache_dir
        self._con: sqlite3.Connection | None = None
        self._local_next = -math.inf  # used only once the store has failed
        self._failed = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SharedRateLimiter(interval={self.interval:g}, key={self.key!r})"

    def reserve(self) -> float:
        """Book the next free slot of the shared schedule, after any shared pause; the
        seconds to wait for it."""
        with self._lock:  # one connection, one transaction at a time
            if not self._failed:
                try:
                    return self._reserve_shared()
                except (sqlite3.Error, OSError) as error:  # must not stop the run
                    self._fail(error)
            now = self._clock()
            slot = max(now, self._local_next)
            self._local_next = slot + self.interval
            return slot - now

    def _reserve_shared(self) -> float:
        self._con = self._con or _connect(self._directory)
        if not self.interval:  # pauses only: nothing to book
            now = self._clock()
            return max(0.0, _current(self._stored(self.pause_key), now) - now)
        now = 0.0

        def book(booked: float | None) -> float:
            nonlocal now
            now = self._clock()  # read with the lock held: waiting for it never backdates a slot
            paused = _current(self._stored(self.pause_key), now)
            return max(now, _current(booked, now), paused) + self.interval

        following = _update(self._con, self.key, book)
        return following - self.interval - now

    def _stored(self, key: str) -> float | None:
        assert self._con is not None
        row = self._con.execute("SELECT value FROM limits WHERE key = ?", (key,)).fetchone()
        return None if row is None else float(row[0])

    def hold(self, seconds: float) -> None:
        """Send nothing from any process for ``seconds`` from now (a longer pause already
        set is kept)."""
        with self._lock:
            if self._failed:
                self._local_next = max(self._local_next, self._clock() + seconds)
                return
            try:
                self._con = self._con or _connect(self._directory)
                now = self._clock()
                until = now + min(seconds, SHARED_LIMIT_STALE_AFTER)
                _update(self._con, self.pause_key, lambda held: max(_current(held, now), until))
            except (sqlite3.Error, OSError) as error:
                self._fail(error)

    async def pause(self, seconds: float) -> None:
        """:meth:`hold`, in a thread (another process may hold the store's lock)."""
        await asyncio.to_thread(self.hold, seconds)

    async def wait(self) -> None:
        """Wait for this caller's slot. Booking runs in a thread, so a wait for another
        process's lock never holds up the event loop and the requests already booked."""
        delay = await asyncio.to_thread(self.reserve)
        if delay > 0:
            await self._sleep(delay)

    def close(self) -> None:
        """Close the connection to the store (idempotent)."""
        con, self._con = self._con, None
        if con is not None:
            con.close()

    def _fail(self, error: BaseException) -> None:
        self._failed = True
        self.close()
        warnings.warn(
            f"the shared rate limit in {self._directory} failed ({type(error).__name__}: {error});"
            " this process now spaces only its own requests", CacheWarning, stacklevel=4)


def take_budget(cache_dir: str | os.PathLike[str], run: str, limit: int, wanted: int, *,
                clock: Callable[[], float] = time.time) -> int:
    """Take up to ``wanted`` requests from run ``run``'s budget of ``limit``; the number granted.

    Every process sharing ``cache_dir`` draws from the same budget, so the run as a whole
    never sends more than ``limit``. A store that fails grants nothing (with a warning):
    a budget is a promise never to overspend.
    """
    if wanted <= 0 or limit <= 0:
        return 0
    granted = 0

    def draw(used: float | None) -> float:
        nonlocal granted
        spent = int(used or 0)
        granted = max(0, min(wanted, limit - spent))
        return spent + granted

    try:
        con = _connect(cache_dir)
        try:
            now = clock()
            con.execute("DELETE FROM limits WHERE expires IS NOT NULL AND expires < ?", (now,))
            _update(con, f"budget:{run}", draw, expires=now + SHARED_BUDGET_EXPIRY)
        finally:
            con.close()
    except (sqlite3.Error, OSError) as error:
        warnings.warn(f"the shared request budget in {cache_dir} failed ({type(error).__name__}); "
                      "nothing more is sent from this part of the run", CacheWarning, stacklevel=2)
        return 0
    return granted
