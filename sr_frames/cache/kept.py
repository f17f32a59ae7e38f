"""The cache database that runs use, kept open in this process from one run to the next.

Opening diskcache costs about 1.5 ms (its set-up runs a few dozen statements), a new
connection starts with a cold page cache, and when the last connection to the database
closes, SQLite folds the write-ahead log into it and deletes the log (1 to 4 ms more,
two fsyncs). A run that opened and closed its own cache paid all of this every time,
7 µs per answer in a run of 2,000. :func:`kept_open` hands out one handle per process
instead, for the last directory asked for, and checks each time that it still stands
for that directory:

* it is opened anew when the directory's database is no longer the file it opened
  (the directory was deleted, or the file replaced) or can no longer be written;
* in a process forked from the one that opened it, it is opened anew, and the
  inherited handle is left untouched (SQLite connections must not cross a fork);
* asking for another directory closes it;
* it is closed when the process exits, so the log is folded in and the directory is
  left as a closed cache leaves it.

Which connections stay open is the caller's to decide: the response cache keeps the
main thread's, the thread that lives as long as the process.

May import: ``sr_frames.cache.readonly`` (the database's file name).
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sr_frames.cache.readonly import DATABASE

__all__ = ["kept_open"]


@dataclass(frozen=True)
class _Held:
    directory: Path
    timeout: float
    pid: int
    file: tuple[int, int]  # (device, inode) of the database when it was opened
    cache: Any


_lock = threading.Lock()
_held: _Held | None = None
_inherited: list[Any] = []  # handles a forked child inherited: never used, never closed there


def kept_open(directory: Path, timeout: float, opener: Callable[[Path, float], Any]) -> Any:
    """The handle ``opener(directory, timeout)`` returned, kept from an earlier call while
    it still stands for ``directory`` (see the module docstring). What ``opener`` raises
    is raised, and nothing is kept."""
    global _held
    with _lock:
        held = _held
        if held is not None and held.pid != os.getpid():
            _inherited.append(held.cache)
            held = _held = None
        if held is not None:
            if (held.directory, held.timeout) == (directory, timeout) \
                    and _identity(directory) == held.file:
                return held.cache
            _held = None  # it stands for nothing asked for any more
            held.cache.close()
        cache = opener(directory, timeout)
        identity = _identity(directory)
        _held = _Held(directory, timeout, os.getpid(), identity, cache) if identity else None
        return cache


def _identity(directory: Path) -> tuple[int, int] | None:
    """The database's (device, inode) while it exists and can be written, else ``None``."""
    path = directory / DATABASE
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_dev, found.st_ino) if os.access(path, os.W_OK) else None


@atexit.register
def _close_at_exit() -> None:
    global _held
    with _lock:
        held, _held = _held, None
    if held is not None and held.pid == os.getpid():
        held.cache.close()
