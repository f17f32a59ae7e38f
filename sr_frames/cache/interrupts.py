"""Ctrl-C held over a write that must land whole.

A ``KeyboardInterrupt`` is raised in the main thread between any two bytecodes. Raised
inside diskcache between ``BEGIN IMMEDIATE`` and the ``try`` that would roll it back,
it leaves the connection in an open transaction: the write is lost, and the next write
on that connection (marking the chunks in flight as uncertain, say) fails with
``Timeout`` in place of the interrupt. :func:`interrupts_held` makes a write atomic
with respect to Ctrl-C: a SIGINT that arrives meanwhile is delivered once the write is
done, to whatever handler was in place.

Only the main thread receives signals, so elsewhere (the client's loop thread) it
does nothing; nor when a program embedding Python handles SIGINT itself.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

try:  # the C functions that signal.signal and signal.getsignal wrap: the wrappers turn
    # each handler into an enum member and back, about 11 µs a write; ours keeps the raw
    # ints, which compare equal to signal.SIG_DFL and signal.SIG_IGN
    from _signal import getsignal as _handler_of
    from _signal import signal as _set_handler
except ImportError:  # an interpreter without them
    from signal import getsignal as _handler_of
    from signal import signal as _set_handler

__all__ = ["interrupts_held"]


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Delay SIGINT until the block has finished (see the module docstring)."""
    if threading.current_thread() is not threading.main_thread() or _handler_of(signal.SIGINT) is None:
        # no signal reaches this thread, or a host program outside Python handles
        # SIGINT: its handler could not be put back, so it is left alone
        yield
        return
    received: list[FrameType | None] = []
    previous = _set_handler(signal.SIGINT, lambda _signum, frame: received.append(frame))
    try:
        yield
    finally:
        _set_handler(signal.SIGINT, previous)
        if received:
            _deliver(previous, received[0])


def _deliver(handler: signal.Handlers | object, frame: FrameType | None) -> None:
    """Do what ``handler`` would have done with the SIGINT it missed."""
    if callable(handler):
        handler(signal.SIGINT, frame)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signal.SIGINT)
    # SIG_IGN: nothing to do
