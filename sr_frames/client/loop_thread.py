"""Running coroutines from synchronous code, in a plain script or inside Jupyter.

Jupyter already runs an event loop in the main thread, so ``asyncio.run()`` fails
there, and ``nest_asyncio`` is archived. Instead, :class:`LoopThread` owns a private
event loop in a daemon thread; synchronous code hands it coroutines and blocks on
the result. The sync ``Client`` keeps one for its lifetime, so its HTTP session and
connection pool live on one loop and are reused by every call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopThread", "on_private_loop"]

T = TypeVar("T")

_private = threading.local()


def on_private_loop() -> bool:
    """Whether the calling thread is a :class:`LoopThread`'s: a loop that runs only our
    coroutines and never blocks, so others may wait for what it is doing."""
    return getattr(_private, "loop", False)


class LoopThread:
    """A private event loop running in a daemon thread.

    ``submit(coro)`` schedules a coroutine and answers a ``concurrent.futures.Future``;
    ``run(coro)`` blocks until it is done (Ctrl-C cancels it). ``stop()`` cancels
    whatever still runs, closes async generators, closes the loop and joins the thread.
    Calling ``run`` from the loop's own thread would deadlock and raises instead.
    """

    def __init__(self, name: str = "sr-frames-loop") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def __repr__(self) -> str:
        return f"LoopThread(name={self.name!r}, running={self.running})"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> LoopThread:
        """Start the thread (idempotent); answers ``self``."""
        with self._guard:
            if self._thread is None:
                ready = threading.Event()
                self._thread = threading.Thread(
                    target=self._main, args=(ready,), name=self.name, daemon=True)
                self._thread.start()
                ready.wait()
        return self

    def _main(self, ready: threading.Event) -> None:
        _private.loop = True
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            _shutdown(loop)

    def in_loop_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the loop (starting the thread if needed)."""
        if self._thread is not None and not self.running:
            coro.close()
            raise RuntimeError(f"{self.name} has been stopped")
        self.start()
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and block until it is done; its result or error."""
        if self.in_loop_thread():
            coro.close()
            raise RuntimeError(
                "a blocking call was made from the client's own event loop; "
                "await the AsyncClient method instead")
        future = self.submit(coro)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def stop(self) -> None:
        """Cancel what still runs, close the loop and join the thread (idempotent)."""
        with self._guard:
            thread, loop = self._thread, self._loop
            if thread is None or loop is None or not thread.is_alive():
                return
            loop.call_soon_threadsafe(loop.stop)
        if threading.current_thread() is not thread:
            thread.join()


def _shutdown(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel leftover tasks, close async generators and the default executor, close."""
    try:
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
