"""One HTTP session and one POST at a time: the only module that touches aiohttp's client.

A :class:`Transport` owns the aiohttp ``ClientSession`` of one client, made lazily on
the event loop that first uses it. :meth:`Transport.post` answers the status, body and
``Retry-After`` of one attempt, or raises one of our transport errors. aiohttp's own
exceptions never escape, and are never chained: their reprs can carry request headers
(the bearer token). aiohttp itself is imported when the first session is made, so
``import sr_frames`` does not pay for it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from sr_frames.config import Secret
from sr_frames.defaults import DEFAULT_CONNECT_TIMEOUT
from sr_frames.endpoints import Endpoint
from sr_frames.errors import (
    ConfigurationError,
    ConnectError,
    ConnectionDropped,
    RequestTimeout,
    SalesRocksError,
)

if TYPE_CHECKING:
    import aiohttp

__all__ = ["Transport"]

_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


class Transport:
    """POSTs to ``base_url`` over one connection pool of ``connections``; each attempt
    times out ``timeout`` seconds after it starts (never counting time queued before)."""

    def __init__(self, base_url: str, *, connections: int, timeout: float) -> None:
        self.base_url, self.timeout, self._connections = base_url, timeout, connections
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timeouts: aiohttp.ClientTimeout | None = None
        self.closed = False

    async def post(self, ep: Endpoint, wire: Secret, token: Secret | None) -> tuple[int, bytes, str | None]:
        """One attempt: ``(status, raw body, Retry-After header)``, or a transport error."""
        session = self._session_now()
        import aiohttp  # already loaded by _session_now: a dictionary look-up

        failure: SalesRocksError
        try:
            async with session.post(self.base_url + ep.path, data=wire.reveal().encode(),
                                    headers=_bearer(token), timeout=self._per_attempt()) as response:
                raw = await response.read()
                return response.status, raw, response.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as exc:
            failure = self._transport_error(exc, ep)
        raise failure  # outside the except block, so no aiohttp exception is chained

    async def close(self) -> None:
        """Close the session (idempotent); a closed transport opens no new one."""
        self.closed = True
        session, self._session, self._loop = self._session, None, None
        if session is not None:
            await session.close()

    def _session_now(self) -> aiohttp.ClientSession:
        if self.closed:
            raise RuntimeError("this AsyncClient is closed; make a new one")
        loop = asyncio.get_running_loop()
        if self._session is None:
            import aiohttp

            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections), headers=_HEADERS)
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError("this AsyncClient runs on another event loop; use one client "
                               "per loop, or the blocking Client")
        return self._session

    def _per_attempt(self) -> aiohttp.ClientTimeout:
        if self._timeouts is None or self._timeouts.total != self.timeout:  # made once
            import aiohttp

            self._timeouts = aiohttp.ClientTimeout(
                total=self.timeout, connect=min(self.timeout, DEFAULT_CONNECT_TIMEOUT))
        return self._timeouts

    def _transport_error(self, exc: BaseException, ep: Endpoint) -> SalesRocksError:
        import aiohttp

        where = f"{self.base_url}{ep.path}"
        if isinstance(exc, aiohttp.InvalidURL):
            return ConfigurationError(f"invalid base URL {self.base_url!r}")
        if isinstance(exc, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError):
            return ConnectError(f"could not connect to {where}")
        if isinstance(exc, TimeoutError):
            return RequestTimeout(f"no answer from {where} within {self.timeout:g} s")
        return ConnectionDropped(f"the connection closed before {where} answered")


def _bearer(token: Secret | None) -> dict[str, str] | None:
    return None if token is None else {"Authorization": f"Bearer {token.reveal()}"}
