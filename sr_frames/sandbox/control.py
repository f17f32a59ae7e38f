"""The control plane: reset, settings, faults and what was received, under ``/_sandbox/``.

Both sides live here so the wire format is defined once: :func:`add_control_routes`
serves it, :class:`SandboxControl` calls it with the standard library alone (so a
test can steer a sandbox running in another process). Control requests are never
logged, counted, delayed, rate limited, faulted or authenticated, and reading
(``requests``, ``stats``) changes nothing.

=======  ======================  ==============================================
method   path                    does
=======  ======================  ==============================================
POST     /_sandbox/reset         forget data, log, counters, faults; start settings
GET      /_sandbox/config        current settings (password masked)
POST     /_sandbox/config        change settings: ``{"latency_ms": 50, ...}``
GET      /_sandbox/faults        the faults and how often each fired
POST     /_sandbox/faults        add a fault: ``{"kind": "status", "status": 500, ...}``
DELETE   /_sandbox/faults        remove every fault
GET      /_sandbox/requests      received requests, ``?path=`` to filter
GET      /_sandbox/stats         counters
=======  ======================  ==============================================
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from aiohttp import web

from sr_frames.endpoints import endpoint
from sr_frames.sandbox.derive import BadInput
from sr_frames.sandbox.faults import make_fault
from sr_frames.sandbox.handlers import SANDBOX, error_response
from sr_frames.sandbox.validation import read_json

__all__ = ["SandboxControl", "add_control_routes"]

PREFIX = "/_sandbox"


def _path(path_or_method: str) -> str:
    """An API path for an endpoint method name; any other string is taken as a path."""
    try:
        return endpoint(path_or_method).path
    except KeyError:
        return path_or_method


# --- server side ----------------------------------------------------------------------


async def _object(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    try:
        body = read_json(raw) if raw else {}
    except BadInput:
        body = None
    if not isinstance(body, dict):
        raise ValueError("Invalid request body: expected a JSON object.")
    return body


async def _reset(request: web.Request) -> web.Response:
    request.app[SANDBOX].reset()
    return web.json_response({"ok": True})


async def _config(request: web.Request) -> web.Response:
    state = request.app[SANDBOX]
    if request.method == "POST":
        state.configure(**await _object(request))
    return web.json_response(state.settings.to_dict())


async def _faults(request: web.Request) -> web.Response:
    book = request.app[SANDBOX].faults
    if request.method == "POST":
        body = await _object(request)
        kind = body.pop("kind", None)
        if not isinstance(kind, str):
            raise ValueError("a fault needs a 'kind'")
        try:
            book.add(make_fault(kind, **body))
        except TypeError as exc:  # an unknown argument
            raise ValueError(str(exc)) from None
    elif request.method == "DELETE":
        book.clear()
    return web.json_response({"faults": [f.to_dict() for f in book.faults]})


async def _requests(request: web.Request) -> web.Response:
    path = request.query.get("path")
    found = request.app[SANDBOX].traffic.requests(_path(path) if path else None)
    return web.json_response({"requests": found})


async def _stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[SANDBOX].traffic.stats())


def _refusing_bad_values(handler: Any) -> Any:
    async def handle(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except ValueError as exc:
            return error_response(400, str(exc))

    return handle


def add_control_routes(router: web.UrlDispatcher) -> None:
    """Register the control plane on ``router`` (before any catch-all route)."""
    for method, path, handler in (
        ("POST", "/reset", _reset),
        ("GET", "/config", _config), ("POST", "/config", _config),
        ("GET", "/faults", _faults), ("POST", "/faults", _faults), ("DELETE", "/faults", _faults),
        ("GET", "/requests", _requests),
        ("GET", "/stats", _stats),
    ):
        router.add_route(method, PREFIX + path, _refusing_bad_values(handler))


# --- client side ----------------------------------------------------------------------

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy


class SandboxControl:
    """Steer a sandbox at ``url`` over HTTP (standard library only).

    Bad arguments (an unknown setting or fault kind) raise ``ValueError`` with the
    sandbox's message; any other failure raises ``RuntimeError``.
    """

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{PREFIX}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read())["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = f"HTTP {exc.code}"
            finally:
                exc.close()
            raise (ValueError if exc.code == 400 else RuntimeError)(message) from None

    def reset(self) -> None:
        """Forget users' data, the log, counters and faults; restore the start settings."""
        self._call("POST", "/reset")

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change ``latency_ms``, ``rate_limit``, ``token_ttl`` or ``password``; the
        settings now in force (password masked)."""
        return self._call("POST", "/config", settings)

    def settings(self) -> dict[str, Any]:
        """The settings in force (password masked)."""
        return self._call("GET", "/config")

    def add_fault(self, kind: str, *, path: str | None = None, times: int | None = None,
                  rate: float = 1.0, status: int = 500, retry_after: float = 1.0,
                  delay_s: float | None = None) -> None:
        """Inject a fault (kinds and arguments: :mod:`sr_frames.sandbox.faults`)."""
        self._call("POST", "/faults", {"kind": kind, "path": path, "times": times, "rate": rate,
                                       "status": status, "retry_after": retry_after,
                                       "delay_s": delay_s})

    def faults(self) -> list[dict[str, Any]]:
        """The faults in place, each with ``fired``: how many requests it hit."""
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def requests(self, path: str | None = None) -> list[dict[str, Any]]:
        """Received API requests in order: ``seq``, ``t`` (monotonic seconds), ``path``,
        ``status`` (``None``: no answer sent), ``fault`` and ``body`` (secrets masked).
        ``path`` may also be an endpoint method name."""
        query = "" if path is None else "?" + urllib.parse.urlencode({"path": _path(path)})
        return self._call("GET", "/requests" + query)["requests"]

    def stats(self) -> dict[str, Any]:
        """``total``, ``by_path``, ``by_status``, ``logins``, ``rate_limited``,
        ``during_pause`` and the ``pauses`` windows ``[start, end]``."""
        return self._call("GET", "/stats")

    def count(self, path_or_method: str) -> int:
        """Requests received at a path (or endpoint method name), whatever their status."""
        return self.stats()["by_path"].get(_path(path_or_method), 0)
