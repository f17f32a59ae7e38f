"""What stands before any handler: body size and read time, the control plane's
``Host``, and aiohttp's own protocol errors, all answered in the error shape.

* A body larger than ``Limits.max_body_bytes`` is answered 413 before it is read
  (from ``Content-Length``; a chunked body is cut off at the limit), and a body still
  arriving after ``Limits.read_timeout`` seconds 408; both close the connection, so
  one client sending 50 MB or trickling a byte a second costs the others nothing.
* ``/_sandbox/`` answers only requests whose ``Host`` is ``127.0.0.1``, ``localhost``
  (or the bound loopback address) with the sandbox's own port; any other is 403, so
  a web page that rebinds its DNS name to 127.0.0.1 cannot steer or read the
  sandbox. API paths take any ``Host``.
* Requests aiohttp's parser refuses (a NUL in a header, a header line over 8190
  bytes, a broken request line) never reach a handler; :class:`SandboxRunner`
  answers them in the error shape with a JSON content type instead of aiohttp's
  text/plain.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from sr_frames.endpoints import BY_PATH
from sr_frames.sandbox.handlers import LIMITS, SANDBOX, error_response

__all__ = ["SandboxRunner", "guard_middleware", "local_host"]

CONTROL_PREFIX = "/_sandbox"
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
_log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def local_host(host_header: str | None, port: int, bound: str = "127.0.0.1") -> bool:
    """Whether ``Host`` names this machine's loopback with the sandbox's ``port``."""
    if not host_header:
        return False
    name, _, given = host_header.strip().lower().rpartition(":")
    if not name or name.endswith(":") or "]" in given:  # no port (an IPv6 literal alone)
        name, given = host_header.strip().lower(), "80"
    allowed = _LOOPBACK_NAMES | {f"[{bound}]" if ":" in bound else bound}
    return name in allowed and given.isdigit() and int(given) == port


def _closing(status: int, message: str) -> web.Response:
    response = error_response(status, message)
    response.force_close()
    return response


def _logged(request: web.Request, response: web.Response) -> web.Response:
    """Count a refused API request in the traffic log, as every API request is."""
    if request.path in BY_PATH:
        state = request.app[SANDBOX]
        entry = state.traffic.receive(request.path, None, state.clock())
        state.traffic.answered(entry, response.status)
    return response


@web.middleware
async def guard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The control plane's ``Host`` check, then the body read whole within the limits
    (later ``request.read()`` calls return it at once)."""
    limits = request.app[LIMITS]
    if request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/"):
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        port = sockname[1] if sockname else -1
        bound = sockname[0] if sockname else "127.0.0.1"
        if not local_host(request.headers.get("Host"), port, bound):
            return error_response(403, "The control plane answers only Host 127.0.0.1 or "
                                       f"localhost with port {port}.")
    declared = request.content_length
    if declared is not None and declared > limits.max_body_bytes:
        return _logged(request, _closing(413, f"Request body larger than "
                                              f"{limits.max_body_bytes} bytes."))
    try:
        await asyncio.wait_for(request.read(), limits.read_timeout)
    except TimeoutError:
        return _logged(request, _closing(408, f"Request body not received within "
                                              f"{limits.read_timeout:g} s."))
    except web.HTTPRequestEntityTooLarge:
        return _logged(request, _closing(413, f"Request body larger than "
                                              f"{limits.max_body_bytes} bytes."))
    return await handler(request)


class _JsonErrors(RequestHandler):
    """aiohttp's protocol handler, answering what its parser refuses in the error shape."""

    def handle_error(self, request: Any, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        _log.debug("refused a malformed request from %s", request.remote, exc_info=exc)
        if request.writer.output_size > 0:
            raise ConnectionError("Response is sent already, cannot send another response "
                                  "with the error message")
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        reason = "Malformed HTTP request" if status == 400 else phrase
        return _closing(status, f"{reason}: {type(exc).__name__ if exc else phrase}.")


class _Server(web.Server):
    def __call__(self) -> RequestHandler:
        return _JsonErrors(self, loop=self._loop, **self._kwargs)


class SandboxRunner(web.AppRunner):
    """``web.AppRunner`` whose connections answer protocol errors in the error shape."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _Server
        return server
