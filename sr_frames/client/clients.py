"""The HTTP client: :class:`AsyncClient` (aiohttp) and the blocking :class:`Client`.

Both are driven by the endpoint table: one generic ``call(endpoint, body)`` plus one
typed method per endpoint (``verify_email(email)``, ``get_lists(page=1, size=100)``, ...),
inherited from :mod:`sr_frames.client._endpoint_methods`, source generated from
:data:`~sr_frames.endpoints.ENDPOINTS` with the summary as docstring and the request
fields as arguments. A body is checked against the table before
anything is sent (:class:`~sr_frames.errors.RequestValidationError` names the field,
never its value).

Every request takes the same path: our own concurrency semaphore, a valid token
(:mod:`sr_frames.client.auth`), the rate limiter and the 429 pause gate, then one aiohttp
attempt whose timeout starts only then. Failures are retried as :mod:`sr_frames.client.retry`
decides; the answer is unwrapped from its envelope.

Secrets stay in :class:`~sr_frames.config.Secret` except on the wire: aiohttp
exceptions (whose reprs can carry request headers) are never chained, and log lines
carry the path, the status and the attempt only.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import json
import logging
import os
import random
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sr_frames import config, defaults
from sr_frames.client._endpoint_methods import AsyncEndpointMethods, EndpointMethods
from sr_frames.client.auth import LOGINS, TokenManager
from sr_frames.client.limits import PauseGate, RateLimiter, RequestBudget, RetryBudget
from sr_frames.client.loop_thread import LoopThread
from sr_frames.client.methods import adopt_methods
from sr_frames.client.retry import backoff_delay, should_retry
from sr_frames.client.schema import conceal, read_answer, validate_body, wire_body
from sr_frames.client.transport import Transport
from sr_frames.config import Secret
from sr_frames.defaults import MAX_RATE_LIMITED_WAITS
from sr_frames.endpoints import TOKEN, Endpoint
from sr_frames.endpoints import endpoint as find_endpoint
from sr_frames.errors import AuthenticationError, BudgetExhausted, RateLimitError, SalesRocksError

__all__ = ["AsyncClient", "Client", "ClientStats", "validate_body"]

logger = logging.getLogger("sr_frames.client")
T = TypeVar("T")



@dataclass
class ClientStats:
    """Counters over a client's lifetime.

    ``requests``: HTTP attempts sent (logins excluded); ``logins``: login attempts;
    ``retries``: attempts repeated after a failure; ``rate_limited``: 429s received;
    ``failures``: calls that ended in an error.
    """

    requests: int = 0
    logins: int = 0
    retries: int = 0
    rate_limited: int = 0
    failures: int = 0






# -- the asynchronous client ---------------------------------------------------------

class Pacer(Protocol):
    """Paces requests: ``await wait()`` returns when the next one may go out; after a
    429, ``await pause(seconds)`` holds back everyone this pacer paces."""

    async def wait(self) -> None: ...

    async def pause(self, seconds: float) -> None: ...


@dataclass
class _Call:
    """One call in flight: what it sends and what it has used up."""

    endpoint: Endpoint
    wire: Secret
    retries: int = 0
    waits: int = 0
    refreshed: bool = False
    authenticating: bool = False
    token: Secret | None = None
    budget: RequestBudget | None = None


class AsyncClient(AsyncEndpointMethods):
    """Asynchronous client of the Sales.Rocks API (one aiohttp session, made lazily).

    Every argument is optional: arguments win over ``sr_frames.configure()``, which
    wins over the environment (``SALESROCKS_USERNAME``, ``SALESROCKS_PASSWORD``,
    ``SALESROCKS_TOKEN``, ``SALESROCKS_BASE_URL``). Credentials passed here are taken
    as a whole: ``token=`` alone ignores a configured username and password, and
    ``username=``/``password=`` ignore a configured token. A ``token`` is used as is.

    ``max_concurrency`` bounds requests in flight (default 32); ``rate_limit`` spaces
    attempts to that many per second; ``max_retries`` (default 3) counts retries after
    the first attempt; ``timeout`` (default 30 s) bounds each attempt from the moment
    it leaves our queue; a 429 whose ``Retry-After`` exceeds ``retry_after_ceiling``
    (default 60 s) raises ``RateLimitError`` instead of waiting. ``ca_bundle`` (a PEM
    file or directory; default ``SALESROCKS_CA_BUNDLE``, ``REQUESTS_CA_BUNDLE``,
    ``SSL_CERT_FILE``) is trusted besides the system's CAs; answers beyond
    ``max_answer_bytes`` (default 8 MiB, decompressed) fail unread. ``clock``, ``sleep``
    and ``rng`` are there for tests; ``limiter`` (anything with ``async wait()``)
    replaces the client's own pacing, so processes can share one rate limit. Use
    ``async with`` or ``await close()``; the client belongs to the event loop it first
    runs on.
    """

    def __init__(
        self,
        username: str | None = None,
        password: str | Secret | None = None,
        token: str | Secret | None = None,
        base_url: str | None = None,
        max_concurrency: int | None = None,
        rate_limit: float | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        *,
        retry_after_ceiling: float | None = None,
        ca_bundle: str | os.PathLike[str] | None = None,
        max_answer_bytes: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
        limiter: Pacer | None = None,
    ) -> None:
        s = config.settings(username=username, password=password, token=token, base_url=base_url,
                     max_concurrency=max_concurrency, rate_limit=rate_limit,
                     max_retries=max_retries, timeout=timeout,
                     retry_after_ceiling=retry_after_ceiling,
                     ca_bundle=None if ca_bundle is None else os.fspath(ca_bundle),
                     max_answer_bytes=max_answer_bytes)
        self.base_url: str = s.resolved_base_url
        self.max_concurrency: int = config.checked_number(s.max_concurrency, defaults.DEFAULT_MAX_CONCURRENCY,
                                             "max_concurrency", integer=True)
        self.max_retries: int = config.checked_number(s.max_retries, defaults.DEFAULT_MAX_RETRIES,
                                         "max_retries", integer=True, allow_zero=True)
        self.timeout: float = config.checked_number(s.timeout, defaults.DEFAULT_TIMEOUT, "timeout")
        self.retry_after_ceiling: float = config.checked_number(
            s.retry_after_ceiling, defaults.DEFAULT_RETRY_AFTER_CEILING, "retry_after_ceiling",
            allow_zero=True)
        self.rate_limit: float | None = (None if s.rate_limit is None
                                         else config.checked_number(s.rate_limit, None, "rate_limit"))
        self.stats = ClientStats()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._budget = RetryBudget(clock=clock)
        self._gate = PauseGate(clock=clock, sleep=sleep)
        self._limiter = limiter or (None if self.rate_limit is None
                                    else RateLimiter(self.rate_limit, clock=clock, sleep=sleep))
        self._semaphore = asyncio.Semaphore(self.max_concurrency)
        # clients with the same credentials share their login, unless a test clock
        # makes this client's renewal times incomparable with everyone else's
        shared = (LOGINS.key(self.base_url, s.username, s.password)
                  if s.username and s.password is not None and clock is time.monotonic else None)
        self._auth = TokenManager(username=s.username, password=s.password, token=s.token,
                                  fetch=self._fetch_token, clock=clock, shared=shared)
        self._transport = Transport(self.base_url, connections=self.max_concurrency + 1,
                                    timeout=self.timeout, ca_bundle=s.ca_bundle,
                                    max_answer_bytes=config.checked_number(
                                        s.max_answer_bytes, defaults.DEFAULT_MAX_ANSWER_BYTES,
                                        "max_answer_bytes", integer=True))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, account={self.account!r})"

    @property
    def account(self) -> str | None:
        """Who requests are made as (username or the token's ``sub``); never a secret."""
        return self._auth.account

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session this client opened (idempotent). A closed client opens
        no new session: a request still running afterwards fails instead of leaking one."""
        await self._transport.close()

    async def login(self) -> None:
        """Log in now unless a valid token is held: a pre-flight check of the credentials.

        Raises ``AuthenticationError`` (refused) or ``MissingCredentialsError`` at once.
        """
        await self._auth.current()

    async def call(self, endpoint: Endpoint | str, body: Mapping[str, Any], *,
                   budget: RequestBudget | None = None) -> Any:
        """Validate ``body``, send it to ``endpoint`` (an ``Endpoint``, method name or
        path) with auth, limits and retries, and answer the unwrapped JSON answer.

        With a ``budget``, every attempt (retries included, the login not) takes one
        request from it; when none is left, ``BudgetExhausted`` is raised unsent.
        """
        ep = endpoint if isinstance(endpoint, Endpoint) else find_endpoint(endpoint)
        body = conceal(ep, body)  # from here on, no frame holds a secret unwrapped
        wire = wire_body(ep, body)
        try:
            answer = await self._send(_Call(ep, wire, budget=budget))
        except SalesRocksError:
            self.stats.failures += 1
            raise
        return ep.unwrap(answer)

    async def _fetch_token(self, username: str, password: Secret) -> Mapping[str, Any]:
        logger.debug("logging in at %s", TOKEN.path)
        return await self._send(_Call(TOKEN, Secret(json.dumps(
            {"username": username, "password": password.reveal()}))))

    async def _send(self, call: _Call) -> Any:
        self._budget.record_first_attempt()
        while True:
            try:
                return await self._attempt(call)
            except SalesRocksError as error:
                if call.authenticating:  # the login has had its own retries
                    raise
                await self._recover(call, error)

    async def _recover(self, call: _Call, error: SalesRocksError) -> None:
        """Get ready to send ``call`` again after ``error``, or raise ``error``."""
        ep = call.endpoint
        if isinstance(error, RateLimitError):
            await self._pause_for(call, error)
        elif isinstance(error, AuthenticationError) and ep.authenticated and not call.refreshed:
            assert call.token is not None
            call.refreshed = True
            logger.debug("401 from %s: refreshing the token", ep.path)
            await self._auth.refresh(call.token, error)
        elif self._may_retry(call, error):
            delay = backoff_delay(call.retries, self._rng)
            logger.info("retry %d/%d of %s after %s in %.2f s", call.retries,
                        self.max_retries, ep.path, _status_of(error), delay)
            await self._sleep(delay)
        else:
            raise error

    def _may_retry(self, call: _Call, error: SalesRocksError) -> bool:
        if not should_retry(error, mutates=call.endpoint.mutates):
            return False
        if call.retries >= self.max_retries or not self._budget.try_spend():
            return False
        call.retries += 1
        self.stats.retries += 1
        return True

    async def _pause_for(self, call: _Call, error: RateLimitError) -> None:
        """Pause the whole client for a 429 (and, through a shared ``limiter``, every
        process it paces), or re-raise it when the wait is too long."""
        call.waits += 1
        wait = error.retry_after
        if wait is None:  # no usable Retry-After: an ordinary retry, counted as one
            if not self._may_retry(call, error):
                raise error
            wait = error.retry_after = backoff_delay(call.retries, self._rng)
        # a pause the client keeps is never longer than the ceiling, so later calls work
        self._gate.pause(min(wait, self.retry_after_ceiling))
        if self._limiter is not None and wait <= self.retry_after_ceiling:
            await self._limiter.pause(wait)  # a longer one would make others sleep it out
        if wait > self.retry_after_ceiling or call.waits > MAX_RATE_LIMITED_WAITS:
            raise error
        logger.info("429 from %s: pausing the client for %.2f s", call.endpoint.path, wait)

    async def _attempt(self, call: _Call) -> Any:
        if not call.endpoint.authenticated:
            # The login skips the semaphore: the tasks holding it are waiting for it.
            return await self._post(call, None)
        async with self._semaphore:
            # a token still fresh is taken without a coroutine; a login is awaited
            token = self._auth.ready()
            if token is None:
                call.authenticating = True
                token = await self._auth.current()
                call.authenticating = False
            call.token = token
            return await self._post(call, token)

    async def _post(self, call: _Call, token: Secret | None) -> Any:
        ep = call.endpoint
        if self._limiter is not None or self._gate.remaining() > 0:  # else nothing to wait for
            await self._wait_turn(ep)
        if ep.authenticated and call.budget is not None and not call.budget.take():
            raise BudgetExhausted(f"max_requests={call.budget.limit} reached before {ep.path}")
        if ep.authenticated:
            self.stats.requests += 1
        else:
            self.stats.logins += 1
        status, raw, retry_after = await self._transport.post(ep, call.wire, token)
        if status == 429:
            self.stats.rate_limited += 1
        return read_answer(ep, status, raw, retry_after, ceiling=self.retry_after_ceiling)

    async def _wait_turn(self, ep: Endpoint) -> None:
        """Wait for the pause gate and the rate limiter; nothing is sent during a pause."""
        while True:
            left = await self._gate.wait(self.retry_after_ceiling)
            if left is not None:
                raise RateLimitError(429, f"the client is paused for {left:.0f} s more "
                                     f"(above retry_after_ceiling {self.retry_after_ceiling:g} s)",
                                     path=ep.path, retry_after=left)
            if self._limiter is not None:
                await self._limiter.wait()
            if self._gate.remaining() == 0:
                return

def _status_of(error: SalesRocksError) -> str:
    return str(getattr(error, "status_code", "") or error.reason)


# -- the blocking client -------------------------------------------------------------

class Client(EndpointMethods):
    """Blocking client: the same arguments and methods as :class:`AsyncClient`, plain
    return values.

    It owns a private event loop in a daemon thread for its lifetime, so its session
    and connection pool are reused across calls, and it works the same in a script and
    inside a running event loop (Jupyter). ``submit(fn)`` runs ``fn(aclient)`` on that
    loop and answers a ``concurrent.futures.Future``. Use ``with Client() as c:`` or
    ``close()``; a client never closed is closed when collected or at exit.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.aclient = AsyncClient(*args, **kwargs)
        self._runner = LoopThread()
        self._closer = weakref.finalize(self, _shut, self._runner, self.aclient)

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, account={self.account!r})"

    @property
    def base_url(self) -> str:
        return self.aclient.base_url

    @property
    def account(self) -> str | None:
        return self.aclient.account

    @property
    def stats(self) -> ClientStats:
        return self.aclient.stats

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the session and stop the private loop (idempotent)."""
        self._closer()

    def _run(self, coro: Awaitable[T]) -> T:
        if not self._closer.alive:
            _discard(coro)
            raise RuntimeError("this Client is closed")
        return self._runner.run(_awaited(coro))

    def submit(self, fn: Callable[[AsyncClient], Awaitable[T]]) -> concurrent.futures.Future[T]:
        """Run ``fn(self.aclient)`` on the client's loop; answers its future at once."""
        if not self._closer.alive:
            raise RuntimeError("this Client is closed")
        return self._runner.submit(_applied(fn, self.aclient))

    def run(self, fn: Callable[[AsyncClient], Awaitable[T]]) -> T:
        """Run ``fn(self.aclient)`` on the client's loop and wait for it (Ctrl-C cancels it)."""
        if not self._closer.alive:
            raise RuntimeError("this Client is closed")
        return self._runner.run(_applied(fn, self.aclient))

    def login(self) -> None:
        """Log in now unless a valid token is held (see ``AsyncClient.login``)."""
        self._run(self.aclient.login())

    def call(self, endpoint: Endpoint | str, body: Mapping[str, Any]) -> Any:
        """Blocking ``AsyncClient.call``: the unwrapped answer of one request."""
        return self._run(self.aclient.call(endpoint, body))


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def _applied(fn: Callable[[AsyncClient], Awaitable[T]], aclient: AsyncClient) -> T:
    return await fn(aclient)


def _discard(awaitable: Awaitable[Any]) -> None:
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()


def _shut(runner: LoopThread, aclient: AsyncClient) -> None:
    """Close ``aclient``'s session on its loop, then stop the loop."""
    if runner.running and not runner.in_loop_thread():
        try:
            runner.run(aclient.close())
        finally:
            runner.stop()


Client.__init__.__signature__ = inspect.signature(AsyncClient.__init__)  # type: ignore[attr-defined]
adopt_methods(AsyncClient, AsyncEndpointMethods)
adopt_methods(Client, EndpointMethods)
