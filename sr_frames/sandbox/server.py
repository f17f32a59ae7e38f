"""Running the sandbox: in a background thread (tests, ``--sandbox``) or in the foreground.

:func:`start_sandbox` runs the application on its own event loop in a daemon thread
and returns once it listens, so it works from plain scripts, from pytest and from a
notebook whose loop is already running. :func:`serve` blocks until Ctrl-C (the
``sr-frames sandbox`` command). Both listen on loopback only.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from sr_frames.sandbox.control import SandboxControl
from sr_frames.sandbox.guards import SandboxRunner
from sr_frames.sandbox.routes import build_app
from sr_frames.sandbox.state import SandboxState, Settings
from sr_frames.sandbox.validation import Limits

__all__ = ["Sandbox", "serve", "start_sandbox"]

SHUTDOWN_TIMEOUT = 2.0
"""Seconds a stopping sandbox waits for requests still being answered."""


def _bind_host(host: str) -> str:
    """The loopback address to bind, or ``ValueError``: the sandbox is never exposed."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the sandbox listens on loopback only (127.0.0.1, ::1 or localhost), "
                         f"not on {host!r}")
    return host


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class Sandbox(SandboxControl):
    """A sandbox serving in this process; also its control plane (``reset()``, ...).

    ``url`` and ``port`` are known once :meth:`start` returns. :meth:`stop` is
    idempotent and joins the thread; the object is a context manager that stops it.
    With ``state_file``, the users' lists, contacts and connections are read from that
    JSON file when it exists and written back to it when the sandbox stops.
    """

    def __init__(self, settings: Settings | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, seed: int = 0, limits: Limits | None = None,
                 state_file: str | os.PathLike[str] | None = None) -> None:
        self.host = _bind_host(host)
        self.limits = limits or Limits()
        self.port = port
        super().__init__(_url(self.host, port))
        self._state = SandboxState(settings or Settings(), seed=seed)
        self.state_file = None if state_file is None else Path(state_file)
        if self.state_file is not None and self.state_file.is_file():
            self._state.restore(json.loads(self.state_file.read_text(encoding="utf-8")))
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: SandboxRunner | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self) -> Sandbox:
        """Listen; returns once requests are served, or raises why it could not."""
        self._thread = threading.Thread(target=self._run, name="sr-frames-sandbox", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error
        self.url = _url(self.host, self.port)
        return self

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._listen())
        except BaseException as exc:
            self._error = exc
        self._ready.set()
        try:
            if self._error is None:
                loop.run_forever()
        finally:
            self._close_loop(loop)

    async def _listen(self) -> None:
        self._runner = SandboxRunner(build_app(self._state, self.limits), access_log=None,
                                     shutdown_timeout=SHUTDOWN_TIMEOUT)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]

    def _close_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._runner is not None:
            loop.run_until_complete(self._runner.cleanup())
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        asyncio.set_event_loop(None)
        loop.close()

    def stop(self) -> None:
        """Stop serving and join the thread (safe to call twice)."""
        with self._lock:
            if self._stopped or self._thread is None:
                return
            self._stopped = True
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        if self.state_file is not None:  # the loop is gone: nothing touches the state now
            _write_state(self.state_file, self._state.store.to_json())

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running" if self._thread else "not started"
        return f"<Sandbox {self.url} {state}>"


def _write_state(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` whole or not at all (a private file)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def start_sandbox(*, port: int = 0, host: str = "127.0.0.1", password: str | None = None,
                  token_ttl: float = 3600.0, latency_ms: float = 0.0,
                  rate_limit: float | None = None, seed: int = 0,
                  limits: Limits | None = None,
                  state_file: str | os.PathLike[str] | None = None) -> Sandbox:
    """Start a sandbox in a background thread; ``port=0`` picks a free port.

    ``password`` (``None``: any non-empty one is accepted), ``token_ttl`` (seconds),
    ``latency_ms`` and ``rate_limit`` (requests per second) are the start settings a
    ``reset()`` returns to; ``seed`` makes fault probabilities reproducible;
    ``limits`` the per-request limits (default: the ``SANDBOX_*`` defaults);
    ``state_file`` keeps users' data across sandboxes (see :class:`Sandbox`).
    Raises ``ValueError`` for a host that is not loopback, ``OSError`` for a busy port.
    """
    settings = Settings(latency_ms=latency_ms, rate_limit=rate_limit, token_ttl=token_ttl,
                        password=password)
    return Sandbox(settings, host=host, port=port, seed=seed, limits=limits,
                   state_file=state_file).start()


def serve(port: int = 8765, host: str = "127.0.0.1", *, seed: int = 0, **settings: Any) -> None:
    """Serve in the foreground until Ctrl-C (``settings``: as :func:`start_sandbox`)."""
    sandbox = Sandbox(Settings().changed(**settings), host=host, port=port, seed=seed).start()
    print(f"Sales.Rocks sandbox on {sandbox.url} (Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
