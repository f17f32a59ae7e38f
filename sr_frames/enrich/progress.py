"""The progress bar, updated only from the thread that called the verb.

Requests complete on the client's event-loop thread; they bump plain counters in a
:class:`Tally`. The calling thread copies those counters into a ``tqdm.auto`` bar while
it waits, because ipykernel does not reliably show output written from another thread.
In Jupyter without ipywidgets the bar is one output line updated in place
(:class:`NotebookLine`), not a new stream output per refresh.
"""

from __future__ import annotations

import concurrent.futures
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sr_frames.defaults import POLL_S

__all__ = ["POLL_S", "Bar", "Tally", "drain", "in_notebook"]


@dataclass
class Tally:
    """Counters written by the sending side, read by the bar."""

    done: int = 0
    failed: int = 0


def in_notebook() -> bool:
    """Whether we run inside a Jupyter kernel (where HTML and widgets render)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except AttributeError:
        return False
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


class NotebookLine:
    """The few ``tqdm`` methods the bar uses, drawn as one text output that a display
    handle updates in place (tqdm without ipywidgets writes a stream output per refresh)."""

    def __init__(self, *, total: int, initial: int, desc: str, unit: str, **_: Any) -> None:
        from IPython.display import display

        self.n, self.total, self.desc, self.unit = initial, total, desc, unit
        self.postfix: str | None = None
        self._started = time.monotonic()
        self._handle = display({"text/plain": self._text()}, raw=True, display_id=True)

    def _text(self) -> str:
        from tqdm import tqdm

        return tqdm.format_meter(self.n, self.total, time.monotonic() - self._started,
                                 prefix=self.desc, unit=self.unit, postfix=self.postfix)

    def update(self, n: int) -> None:
        self.n += n

    def set_postfix(self, postfix: dict[str, Any], refresh: bool = False) -> None:
        self.postfix = ", ".join(f"{k}={v}" for k, v in postfix.items())

    def refresh(self) -> None:
        if self._handle is not None:
            self._handle.update({"text/plain": self._text()}, raw=True)

    def close(self) -> None:
        self.refresh()
        self._handle = None


def _tqdm_class() -> Any:
    if in_notebook():
        try:
            import ipywidgets  # noqa: F401
            from tqdm.auto import tqdm
            return tqdm
        except ImportError:
            return NotebookLine
    from tqdm import tqdm
    return tqdm


class Bar:
    """A bar over ``total`` distinct inputs, starting at ``initial`` (cache hits, local answers)."""

    def __init__(self, verb: str, total: int, initial: int, *, enabled: bool) -> None:
        self._bar = None
        if enabled and total:
            self._bar = _tqdm_class()(
                total=total, initial=initial, desc=verb, unit="input", leave=True,
                file=sys.stderr, dynamic_ncols=True,
            )
        self._initial = initial

    @property
    def drawn(self) -> bool:
        """Whether a bar is on screen: a run without one need not wake to refresh it."""
        return self._bar is not None

    def show(self, tally: Tally, stats: Any | None = None) -> None:
        """Copy the counters into the bar (call from the calling thread only)."""
        if self._bar is None:
            return
        value = self._initial + tally.done
        if value != self._bar.n:
            self._bar.update(value - self._bar.n)
        if stats is not None:
            postfix = {"sent": stats.requests}
            if stats.retries:
                postfix["retries"] = stats.retries
            if stats.rate_limited:
                postfix["429s"] = stats.rate_limited
            if tally.failed:
                postfix["failed"] = tally.failed
            self._bar.set_postfix(postfix, refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def drain(pending: set[concurrent.futures.Future[Any]],
          on_done: Callable[[concurrent.futures.Future[Any]], None],
          refresh: Callable[[], None]) -> None:
    """Handle each future of ``pending`` on this thread as it finishes, refreshing the
    bar in between. A future leaves ``pending`` only once ``on_done`` has handled it, so
    after an exception (Ctrl-C) ``pending`` holds exactly what was not handled; those
    are cancelled and the exception re-raised for the caller to settle them."""
    try:
        while pending:
            done, _ = concurrent.futures.wait(pending, timeout=POLL_S,
                                              return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                on_done(future)
                pending.discard(future)
            refresh()
    except BaseException:
        for future in pending:
            future.cancel()
        raise
