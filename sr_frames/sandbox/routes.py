"""The application: the control plane, one route per endpoint record, the API document
at ``GET /openapi.json``, 404 for the rest.

Routes come from the endpoint table, so an endpoint added there is served here with
no further edit: its answer is the function registered for its method
(:mod:`registry`); an endpoint that has none stops the sandbox from starting, naming it.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from sr_frames.endpoints import ENDPOINTS
from sr_frames.endpoints.openapi import openapi_document
from sr_frames.sandbox import operations
from sr_frames.sandbox.control import add_control_routes
from sr_frames.sandbox.guards import guard_middleware
from sr_frames.sandbox.handlers import (
    LIMITS,
    SANDBOX,
    STOPPING,
    api_handler,
    error_middleware,
    not_found,
)
from sr_frames.sandbox.state import SandboxState
from sr_frames.sandbox.validation import Limits

__all__ = ["build_app"]


async def _openapi(request: web.Request) -> web.Response:
    """The API document, with this sandbox as its server."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    host, port = (sockname[0], sockname[1]) if sockname else ("127.0.0.1", 80)
    origin = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    return web.json_response(openapi_document(origin))


async def _stop_waiting(app: web.Application) -> None:
    """Wake handlers that are sleeping or hanging so shutdown does not wait for them."""
    app[STOPPING].set()


def build_app(state: SandboxState, limits: Limits | None = None) -> web.Application:
    """The aiohttp application serving ``state`` within ``limits`` (default: the
    ``SANDBOX_*`` limits of :mod:`sr_frames.defaults`)."""
    limits = limits or Limits()
    unanswered = operations.missing()
    if unanswered:
        raise LookupError(f"the sandbox has no answer for {', '.join(unanswered)}: register one "
                          "with @answers_for(method) (sr_frames.sandbox.registry)")
    app = web.Application(middlewares=[guard_middleware, error_middleware],
                          client_max_size=limits.max_body_bytes)
    app[SANDBOX] = state
    app[LIMITS] = limits
    app[STOPPING] = asyncio.Event()
    app.on_shutdown.append(_stop_waiting)
    add_control_routes(app.router)
    app.router.add_get("/openapi.json", _openapi)
    for endpoint in ENDPOINTS:
        app.router.add_route("*", endpoint.path, api_handler(endpoint), name=endpoint.method)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app
