"""HTTP handling of API requests: one generic handler, bound to each endpoint record.

The order of events for a request at an API path, and why:

1. log it (arrival time, body with secrets masked) - every API request is counted,
   whatever happens next;
2. non-POST: 405; the rate limiter and the fault draw decide at arrival, like a
   gateway in front of the service would (a limited request draws no fault);
3. wait the configured latency (and any latency fault), then answer 429 if limited;
4. a drawn fault replaces the answer (or, ``lost_answer``, swallows it);
5. authenticate (401), parse and validate the body from the table (400), run the
   endpoint's operation, wrap the result in the endpoint's envelope.

Errors always have the service's shape ``{"error": {"status_code", "message"}}``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web

from sr_frames.endpoints import ENDPOINTS, Endpoint
from sr_frames.sandbox import operations, tokens
from sr_frames.sandbox.derive import Refusal
from sr_frames.sandbox.faults import Fault
from sr_frames.sandbox.state import SandboxState
from sr_frames.sandbox.traffic import mask_secrets, retry_after_header
from sr_frames.sandbox.validation import Limits, parse_body, read_json, validate_body

__all__ = ["LIMITS", "SANDBOX", "STOPPING", "api_handler", "envelope", "error_middleware",
           "error_response", "not_found"]

SANDBOX = web.AppKey("sandbox", SandboxState)
LIMITS = web.AppKey("limits", Limits)
STOPPING = web.AppKey("stopping", asyncio.Event)
CONTROL_PREFIX = "/_sandbox/"
GARBAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
_SECRETS = frozenset().union(*(e.secret_fields for e in ENDPOINTS))
_MESSAGES = {500: "Something went wrong on our end.", 429: "Too many requests."}
_log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """The service's error shape."""
    return web.json_response({"error": {"status_code": status, "message": message}},
                             status=status, headers=headers)


def envelope(endpoint: Endpoint, answer: operations.Answer) -> Any:
    """``answer`` wrapped the way the service wraps this endpoint (reading 4 in the README)."""
    if endpoint.envelope == "bare":
        return answer.value
    if endpoint.envelope == "data":
        return {"status_code": 200, "data": answer.value}
    body: dict[str, Any] = {"status": "success"}
    if answer.message is not None:
        body.update(status_code=200, message=answer.message)
    if endpoint.result_key != "message":
        body[endpoint.result_key or "data"] = answer.value
    return body


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aiohttp's own errors (413, ...) and unexpected failures in the error shape."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, exc.reason)
    except Exception:
        _log.exception("sandbox failure on %s", request.path)
        return error_response(500, _MESSAGES[500])


async def not_found(request: web.Request) -> web.StreamResponse:
    """Any other path: 404 in the error shape (logged unless it is a control path)."""
    response = error_response(404, f"Unknown path {request.path}.")
    if not request.path.startswith(CONTROL_PREFIX):
        state = request.app[SANDBOX]
        entry = state.traffic.receive(request.path, mask_secrets(
            parse_body(await request.read()), _SECRETS), state.clock())
        state.traffic.answered(entry, 404)
    return response


def api_handler(endpoint: Endpoint) -> Handler:
    """The handler serving ``endpoint``'s path."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return await _serve(request, endpoint)

    handle.__name__ = f"serve_{endpoint.method}"
    return handle


async def _serve(request: web.Request, endpoint: Endpoint) -> web.StreamResponse:
    state, stopping = request.app[SANDBOX], request.app[STOPPING]
    raw = await request.read()
    entry = state.traffic.receive(endpoint.path, mask_secrets(parse_body(raw), _SECRETS),
                                  state.clock())
    if request.method != "POST":
        response = error_response(405, f"Method {request.method} not allowed: use POST.",
                                  {"Allow": "POST"})
        state.traffic.answered(entry, 405)
        return response
    wait = state.limiter.acquire(state.clock())
    extra, fault = (0.0, None) if wait is not None else state.faults.draw(endpoint.path)
    if fault is not None:
        state.traffic.faulted(entry, fault.kind)
    if await _sleep(state.settings.latency_ms / 1000 + extra, stopping):
        return _close(request, state, entry, "stopped")
    if wait is not None:
        header = retry_after_header(wait)
        state.traffic.paused(state.clock(), float(header))
        return _sent(state, entry, error_response(
            429, f"Too many requests: retry after {header} s.", {"Retry-After": header}))
    if fault is None:
        return _sent(state, entry, _answer(request, endpoint, raw, state))
    return await _faulty(request, endpoint, raw, state, entry, fault)


async def _faulty(request: web.Request, endpoint: Endpoint, raw: bytes, state: SandboxState,
                  entry: dict[str, Any], fault: Fault) -> web.StreamResponse:
    if fault.kind == "status":
        headers = None
        if fault.status == 429:
            headers = {"Retry-After": f"{fault.retry_after:g}"}
            state.traffic.paused(state.clock(), fault.retry_after)
        message = _MESSAGES.get(fault.status) or HTTPStatus(fault.status).phrase
        return _sent(state, entry, error_response(fault.status, message, headers), "status")
    if fault.kind == "garbage":
        return _sent(state, entry, web.Response(body=GARBAGE, content_type="application/json"),
                     "garbage")
    if fault.kind == "lost_answer":
        _answer(request, endpoint, raw, state)
    elif fault.kind == "hang":
        await _hang(request, fault.delay_s, request.app[STOPPING])
    return _close(request, state, entry, fault.kind)


def _answer(request: web.Request, endpoint: Endpoint, raw: bytes,
            state: SandboxState) -> web.Response:
    """Authenticate, validate, run the operation and wrap its answer."""
    user = None
    try:
        if endpoint.authenticated:
            user = tokens.subject(request.headers.get("Authorization"), state.wall())
    except tokens.TokenError as exc:
        return error_response(401, exc.message)
    try:
        limits = request.app[LIMITS]
        body = validate_body(endpoint, read_json(raw, limits.max_json_depth), limits)
        answer = operations.run(operations.Call(endpoint, body, user, state.store,
                                                state.settings, state.wall()))
    except Refusal as exc:
        return error_response(exc.status_code, exc.message)
    if endpoint.method == "login":
        state.traffic.logins += 1
    return web.json_response(envelope(endpoint, answer))


def _sent(state: SandboxState, entry: dict[str, Any], response: web.Response,
          fault: str | None = None) -> web.Response:
    state.traffic.answered(entry, response.status, fault)
    return response


def _close(request: web.Request, state: SandboxState, entry: dict[str, Any],
           fault: str) -> web.StreamResponse:
    """Close the connection without answering (the response below is never written)."""
    state.traffic.answered(entry, None, fault)
    if request.transport is not None:
        request.transport.close()
    return web.Response()


async def _sleep(seconds: float, stopping: asyncio.Event) -> bool:
    """Sleep ``seconds``; ``True`` when the sandbox began stopping meanwhile."""
    if seconds <= 0:
        return stopping.is_set()
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def _hang(request: web.Request, delay_s: float | None, stopping: asyncio.Event) -> None:
    """Wait until the client goes away, ``delay_s`` passes or the sandbox stops."""
    loop = asyncio.get_running_loop()
    deadline = None if delay_s is None else loop.time() + delay_s
    while not stopping.is_set():
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        step = 0.05 if deadline is None else min(0.05, deadline - loop.time())
        if step <= 0:
            return
        await _sleep(step, stopping)
