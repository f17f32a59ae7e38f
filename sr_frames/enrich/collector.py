"""How runs pace Python's cyclic garbage collector: paused over bulk steps, spaced out
while requests are in flight.

The collector is the process's, not a run's: :func:`bulk` leaves it switched on or off
as it found it, and :func:`spaced` puts back the thresholds it found, unless the
caller changed them meanwhile, and never touches a collector the caller switched off
with ``gc.set_threshold(0)`` or set higher.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

from sr_frames.defaults import GC_YOUNG_THRESHOLD_SENDING

__all__ = ["bulk", "spaced"]


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector over a step that builds many objects and frees
    none (a slot per input, an answer per cached row): otherwise every pass over the
    oldest generation rescans all that was built before, and 100,000 cached rows cost
    a second more. Reference counting still frees memory meanwhile."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_lock = threading.Lock()
_sending = 0  # runs inside spaced(), in every thread
_found: tuple[int, int, int] | None = None  # the thresholds the first of them found


@contextlib.contextmanager
def spaced() -> Iterator[None]:
    """Collect the youngest generation less often while requests are in flight.

    A young collection walks every object made since the last one that is still alive,
    and while a run sends, that is every request in flight: about 75 objects each
    (coroutines, headers, buffers), some 10,000 at 128 requests. The objects that
    requests free as they finish count against the collector's tally of new objects, so
    it keeps reaching its threshold (700) over and over, and each pass walks them all
    again: 30 to 40 ms of a one-second run of 2,000 requests, against about 10 ms
    with the threshold at :data:`~sr_frames.defaults.GC_YOUNG_THRESHOLD_SENDING`
    (measured; ``benchmarks/bench_overhead.py`` shows what it does to throughput).

    Runs may nest or overlap (threads, tasks): the first one in raises the threshold,
    the last one out puts back what the first found, unless someone changed it
    meanwhile. A threshold already as high, or 0 (collection switched off), is left as
    it is.
    """
    global _sending, _found
    with _lock:
        _sending += 1
        if _sending == 1:
            found = gc.get_threshold()
            if 0 < found[0] < GC_YOUNG_THRESHOLD_SENDING:
                _found = found
                gc.set_threshold(GC_YOUNG_THRESHOLD_SENDING, found[1], found[2])
    try:
        yield
    finally:
        with _lock:
            _sending -= 1
            if _sending == 0 and _found is not None:
                if gc.get_threshold() == (GC_YOUNG_THRESHOLD_SENDING, _found[1], _found[2]):
                    gc.set_threshold(*_found)
                _found = None
