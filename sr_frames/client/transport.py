"""One HTTP session and one POST at a time: the only module that touches aiohttp's client.

A :class:`Transport` owns the aiohttp ``ClientSession`` of one client, made lazily on
the event loop that first uses it. :meth:`Transport.post` answers the status, body and
``Retry-After`` of one attempt, or raises one of our errors. aiohttp's own exceptions
never escape, and are never chained: their reprs can carry request headers (the bearer
token).

What it never does, whatever the server answers:

- follow a redirect: a 3xx is :class:`~sr_frames.errors.RedirectRefused`, naming the
  status and the origin of ``Location`` (never its path or query, which may carry
  tokens), and the body is sent nowhere else;
- hold more than ``max_answer_bytes`` of an answer, counted on the decompressed bytes
  as they stream in (aiohttp inflates in bounded steps): beyond it the answer is
  :class:`~sr_frames.errors.AnswerTooLarge` and the connection is dropped unread;
- turn TLS verification off. ``ca_bundle`` adds a PEM file (or directory) of CA
  certificates to the system's; a failed verification reads "certificate verify
  failed: <reason>" and names the setting.

Proxies come from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``, as
``trust_env`` reads them), chosen once per session; a loopback base URL (the sandbox)
never goes through one. ``trust_env`` itself stays off, because it would also send
``~/.netrc`` passwords as Basic credentials to the service.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import ssl
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from sr_frames.config import Secret
from sr_frames.defaults import DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_ANSWER_BYTES, ENV_CA_BUNDLE
from sr_frames.endpoints import Endpoint
from sr_frames.errors import (
    AnswerTooLarge,
    CertificateError,
    ConfigurationError,
    ConnectError,
    ConnectionDropped,
    RedirectRefused,
    RequestTimeout,
    SalesRocksError,
)

if TYPE_CHECKING:  # aiohttp loads with the first session: import sr_frames does not pay for it
    import aiohttp
    from yarl import URL

__all__ = ["Transport"]

_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
_MAY_WAIT = frozenset({429, 503})  # statuses whose Retry-After is read
_CA_HINT = (f"if a company proxy or CA signs this connection, set ca_bundle= "
            f"(sr_frames.configure or Client) or {ENV_CA_BUNDLE} to its PEM file")


class Transport:
    """POSTs to ``base_url`` over one connection pool of ``connections``; each attempt
    times out ``timeout`` seconds after it starts (never counting time queued before).
    ``ca_bundle`` is trusted besides the system's CAs; answers beyond
    ``max_answer_bytes`` are refused unread."""

    def __init__(self, base_url: str, *, connections: int, timeout: float,
                 ca_bundle: str | None = None,
                 max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES) -> None:
        self.base_url, self.timeout, self._connections = base_url, timeout, connections
        self.ca_bundle, self.max_answer_bytes = ca_bundle, max_answer_bytes
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._proxy: tuple[URL | None, aiohttp.BasicAuth | None] = (None, None)
        self._timeouts: aiohttp.ClientTimeout | None = None
        self._urls: dict[str, URL] = {}
        self.closed = False

    async def post(self, ep: Endpoint, wire: Secret, token: Secret | None) -> tuple[int, bytes, str | None]:
        """One attempt: ``(status, raw body, Retry-After header)``, or one of our errors."""
        session = self._session_now()
        import aiohttp  # already loaded by _session_now: a dictionary look-up

        failure: SalesRocksError
        proxy, proxy_auth = self._proxy
        try:
            async with session.post(self._url(ep), data=wire.reveal().encode(),
                                    headers=_bearer(token), timeout=self._timeouts,
                                    allow_redirects=False, proxy=proxy,
                                    proxy_auth=proxy_auth) as response:
                status = response.status
                if 300 <= status < 400:
                    failure = _redirect(status, response.headers.get("Location"),
                                        self.base_url + ep.path, ep)
                else:
                    raw = await self._read(response, ep)
                    wait = response.headers.get("Retry-After") if status in _MAY_WAIT else None
                    return status, raw, wait
        except (aiohttp.ClientError, TimeoutError) as exc:
            failure = self._transport_error(exc, ep)
        except AnswerTooLarge as exc:
            failure = exc
        raise failure  # outside the except block, so no aiohttp exception is chained

    async def _read(self, response: aiohttp.ClientResponse, ep: Endpoint) -> bytes:
        """The whole body, decompressed, or ``AnswerTooLarge`` as soon as it passes the cap."""
        cap = self.max_answer_bytes
        declared = response.content_length
        if declared is not None and "Content-Encoding" not in response.headers:
            if declared > cap:
                raise _too_large(ep, cap)
            # aiohttp reads exactly the declared length, never more: one read is bounded
            return await response.read()
        chunks, size = [], 0
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > cap:
                raise _too_large(ep, cap)
            chunks.append(chunk)
        return b"".join(chunks)

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

            connector = aiohttp.TCPConnector(limit=self._connections, ssl=self._ssl_context())
            self._proxy = _environment_proxy(self.base_url)
            self._timeouts = self._per_attempt()
            self._session = aiohttp.ClientSession(connector=connector, headers=_HEADERS)
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError("this AsyncClient runs on another event loop; use one client "
                               "per loop, or the blocking Client")
        return self._session

    def _ssl_context(self) -> ssl.SSLContext | bool:
        """The system's CAs plus ``ca_bundle``; verification is always on."""
        if not self.ca_bundle or urlsplit(self.base_url).scheme != "https":
            return True
        context = ssl.create_default_context()
        path = os.path.expanduser(self.ca_bundle)
        try:
            if os.path.isdir(path):
                context.load_verify_locations(capath=path)
            else:
                context.load_verify_locations(cafile=path)
        except (OSError, ssl.SSLError, ValueError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise ConfigurationError(
                f"ca_bundle {path!r} (ca_bundle= or {ENV_CA_BUNDLE}, REQUESTS_CA_BUNDLE, "
                f"SSL_CERT_FILE) is not a readable PEM file or directory of CA certificates "
                f"({reason})") from None
        return context

    def _per_attempt(self) -> aiohttp.ClientTimeout:
        """The timeouts of every attempt (made once per session): ``timeout`` in all,
        and at most :data:`~sr_frames.defaults.DEFAULT_CONNECT_TIMEOUT` to connect."""
        import aiohttp

        return aiohttp.ClientTimeout(total=self.timeout, connect=min(self.timeout, DEFAULT_CONNECT_TIMEOUT))

    def _url(self, ep: Endpoint) -> URL:
        """The URL of ``ep``, parsed once per path rather than once per request."""
        url = self._urls.get(ep.path)
        if url is None:
            from yarl import URL

            url = self._urls[ep.path] = URL(self.base_url + ep.path)
        return url


    def _transport_error(self, exc: BaseException, ep: Endpoint) -> SalesRocksError:
        import aiohttp

        where = f"{self.base_url}{ep.path}"
        if isinstance(exc, aiohttp.InvalidURL):
            return ConfigurationError(f"invalid base URL {self.base_url!r}")
        if isinstance(exc, aiohttp.ClientConnectorCertificateError):
            reason = getattr(exc.certificate_error, "verify_message", None) or str(exc.certificate_error)
            return CertificateError(f"certificate verify failed: {reason} (connecting to "
                                    f"{_origin(where)}); {_CA_HINT}")
        if isinstance(exc, aiohttp.ClientSSLError):
            reason = getattr(exc.os_error, "reason", None) or type(exc.os_error).__name__
            return CertificateError(f"TLS with {_origin(where)} failed: {reason}; {_CA_HINT}")
        if isinstance(exc, aiohttp.ClientProxyConnectionError):
            return ConnectError(f"could not connect to the proxy for {where} (HTTPS_PROXY / "
                                "HTTP_PROXY in the environment)")
        if isinstance(exc, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError):
            return ConnectError(f"could not connect to {where}")
        if isinstance(exc, TimeoutError):
            return RequestTimeout(f"no answer from {where} within {self.timeout:g} s")
        return ConnectionDropped(f"the connection closed before {where} answered")


def _bearer(token: Secret | None) -> dict[str, str] | None:
    # built for each attempt and dropped with it: an object kept holding the revealed
    # token would show it in the locals of any later traceback
    return None if token is None else {"Authorization": f"Bearer {token.reveal()}"}


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: never its path or query (they can hold tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _redirect(status: int, location: str | None, url: str, ep: Endpoint) -> RedirectRefused:
    where = f"to {_origin(urljoin(url, location))}" if location else "without a Location"
    return RedirectRefused(status, f"a redirect {where}, not followed (redirects are never "
                           "followed, so nothing was sent there); check base_url "
                           "(SALESROCKS_BASE_URL)", path=ep.path)


def _too_large(ep: Endpoint, cap: int) -> AnswerTooLarge:
    return AnswerTooLarge(f"{ep.path} answered more than max_answer_bytes={cap:,} bytes; "
                          "the rest was not read (raise max_answer_bytes if the answer is real)")


def _is_loopback(host: str | None) -> bool:
    if host in (None, "localhost"):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _environment_proxy(base_url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    """The proxy the environment names for ``base_url`` (``NO_PROXY`` honoured), if any;
    never one for a loopback address."""
    from aiohttp.helpers import get_env_proxy_for_url
    from yarl import URL

    url = URL(base_url)
    if _is_loopback(url.host):
        return None, None
    try:
        return get_env_proxy_for_url(url)
    except LookupError:
        return None, None
