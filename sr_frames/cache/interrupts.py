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

__all__ = ["interrupts_held"]


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Delay SIGINT until the block has finished (see the module docstring)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is None:
        # no signal reaches this thread, or a host program outside Python handles
        # SIGINT: its handler could not be put back, so it is left alone
        yield
        return
    received: list[FrameType | None] = []
    previous = signal.signal(signal.SIGINT, lambda _signum, frame: received.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            _deliver(previous, received[0])


def _deliver(handler: signal.Handlers | object, frame: FrameType | None) -> None:
    """Do what ``handler`` would have done with the SIGINT it missed."""
    if callable(handler):
        handler(signal.SIGINT, frame)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signal.SIGINT)
    # SIG_IGN: nothing to do
