"""The bearer token of one client: lazy login, refresh before expiry and once on a 401.

:class:`TokenManager` is single-flight: whatever the number of tasks that need a
token at the same moment, one login is sent and every waiter gets its result. A
token refreshed by another task since a request started is reused, not refreshed
again. A refused login (wrong password) is remembered: every waiter and every later
call fails at once with the same :class:`~sr_frames.errors.AuthenticationError`,
without another request.

Tokens are shared by the clients of a process through :data:`LOGINS`: each verb call
without ``client=`` makes a client of its own, and a notebook making twenty calls (or
a Dask worker running twenty tasks) logs in once, not twenty times. A token is shared
only between clients with the same base URL, username and password.

The credentials and the token are held in :class:`~sr_frames.config.Secret` and
revealed only where they go on the wire, by the client.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import concurrent.futures
import hashlib
import json
import math
import os
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sr_frames.client.loop_thread import on_private_loop
from sr_frames.config import Secret
from sr_frames.defaults import (
    DEFAULT_TOKEN_LIFETIME,
    DEFAULT_TOKEN_REFRESH_MARGIN,
    ENV_PASSWORD,
    ENV_TOKEN,
    ENV_USERNAME,
)
from sr_frames.errors import (
    APIStatusError,
    AuthenticationError,
    MissingCredentialsError,
    RateLimitError,
    SalesRocksError,
)

__all__ = ["DEFAULT_TOKEN_LIFETIME", "LOGINS", "SharedLogins", "TokenManager", "forget_logins",
           "token_claims"]


LOGIN_REFUSED = frozenset({400, 401, 403})
"""Statuses of the token endpoint that mean "these credentials will never work"."""

Fetch = Callable[[str, Secret], Awaitable[Mapping[str, Any]]]
"""Sends the login (username, password) and answers the token endpoint's JSON."""


class _LoginAbandoned(Exception):
    """The client making a shared login stopped before its answer: waiters try again."""


class SharedLogins:
    """The tokens this process's logins obtained, for every client with the same
    credentials to reuse until they are due for renewal.

    Entries are keyed by a digest of base URL, username and password salted with a
    random key made at start-up, so neither the dictionary nor its repr says whose
    they are; tokens stay in :class:`Secret`. Renewal times are on the monotonic
    clock. Safe to use from the event loops of several threads, where clients starting
    at the same moment wait for one login (:meth:`claim`) rather than each making one.
    """

    def __init__(self) -> None:
        salt = os.urandom(16)  # kept in the closure, out of vars() and reprs
        self._digest: Callable[[bytes], bytes] = (
            lambda text: hashlib.blake2b(text, key=salt, digest_size=32).digest())
        self._tokens: dict[bytes, tuple[Secret, float]] = {}
        self._running: dict[bytes, concurrent.futures.Future[tuple[Secret, float]]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SharedLogins({len(self._tokens)} token(s))"

    def key(self, base_url: str, username: str, password: Secret) -> bytes:
        """The entry of these credentials at this service."""
        text = "\0".join((base_url, username, password.reveal())).encode()
        return self._digest(text)

    def fresh(self, key: bytes, now: float) -> tuple[Secret, float] | None:
        """The token kept under ``key`` and its renewal time, if not yet due."""
        with self._lock:
            kept = self._tokens.get(key)
        return kept if kept is not None and now < kept[1] else None

    def claim(self, key: bytes) -> tuple[concurrent.futures.Future[tuple[Secret, float]], bool]:
        """The login in progress for ``key`` and ``False``; or, when none is, a new one
        that the caller must make and :meth:`finish`, and ``True``.

        Only a login made on a private loop (:func:`~sr_frames.client.loop_thread.on_private_loop`)
        is offered to others: a user's own loop may block on a synchronous call that is
        itself waiting for that login, and would never finish it.
        """
        with self._lock:
            running = self._running.get(key)
            if running is not None:
                return running, False
            running = concurrent.futures.Future()
            if on_private_loop():
                self._running[key] = running
            return running, True

    def finish(self, key: bytes, running: concurrent.futures.Future[tuple[Secret, float]], *,
               token: Secret | None = None, renew_at: float = 0.0,
               error: BaseException | None = None) -> None:
        """End the login claimed as ``running``: keep its token and hand it (or the
        error) to every client waiting for it."""
        with self._lock:
            if self._running.get(key) is running:
                del self._running[key]
            if token is not None:
                self._tokens[key] = (token, renew_at)
        if token is not None:
            running.set_result((token, renew_at))
        else:
            running.set_exception(error or _LoginAbandoned())

    def forget(self, key: bytes, token: Secret) -> None:
        """Drop ``token`` (refused with a 401) unless a newer one has replaced it."""
        with self._lock:
            kept = self._tokens.get(key)
            if kept is not None and kept[0] is token:
                del self._tokens[key]

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


LOGINS = SharedLogins()
"""The tokens shared by the clients of this process."""


def forget_logins() -> None:
    """Forget every token this process has obtained: the next request of every client
    made afterwards logs in again (after a password change, say)."""
    LOGINS.clear()


class TokenManager:
    """Gives requests a valid bearer token, logging in only when needed.

    ``token`` is a static token used as is (never refreshed before expiry; on a 401
    it is replaced by a login if a username and password are known, else the 401 is
    final). ``fetch`` performs one login through the client's retrying transport.
    ``clock`` is monotonic; ``margin`` is how long before expiry a token is renewed
    (never more than a quarter of the token's lifetime). With a ``shared`` key (from
    :meth:`SharedLogins.key`), tokens are taken from and given to :data:`LOGINS`;
    it needs the monotonic ``clock``.
    """

    def __init__(
        self,
        *,
        username: str | None,
        password: Secret | None,
        token: Secret | None,
        fetch: Fetch,
        clock: Callable[[], float] = time.monotonic,
        margin: float = DEFAULT_TOKEN_REFRESH_MARGIN,
        shared: bytes | None = None,
    ) -> None:
        self.username = username
        self._password = password
        self._token = token
        self._renew_at = math.inf if token else -math.inf
        self._fetch = fetch
        self._clock = clock
        self._margin = margin
        self._failure: SalesRocksError | None = None
        self._lock = asyncio.Lock()
        self._shared = shared

    def __repr__(self) -> str:
        return f"TokenManager(username={self.username!r}, has_token={self._token is not None})"

    @property
    def account(self) -> str | None:
        """Who the requests are made as: the username, else the token's ``sub`` claim."""
        if self.username:
            return self.username
        if self._token is None:
            return None
        sub = token_claims(self._token.reveal()).get("sub")
        return str(sub) if sub is not None else None

    @property
    def can_login(self) -> bool:
        return bool(self.username) and self._password is not None

    def _fresh(self) -> bool:
        return self._token is not None and self._clock() < self._renew_at

    def ready(self) -> Secret | None:
        """The token :meth:`current` would answer at once, without awaiting; ``None``
        when :meth:`current` has to run (a login due, or a refused one to raise)."""
        if self._failure is None and self._token is not None and self._clock() < self._renew_at:
            return self._token
        return None

    async def current(self) -> Secret:
        """A token valid for a while yet, logging in first if needed.

        Raises the remembered ``AuthenticationError`` at once after a refused login,
        and ``MissingCredentialsError`` when there is nothing to log in with.
        """
        self._raise_if_failed()
        if self._fresh():
            assert self._token is not None
            return self._token
        return await self._renew(self._token)

    async def refresh(self, stale: Secret, refused: AuthenticationError) -> Secret:
        """A new token after ``stale`` was answered 401 (``refused``).

        If another task already replaced ``stale``, its token is reused. Without a
        password to log in with, ``refused`` becomes final for this client.
        """
        async with self._lock:
            self._raise_if_failed()
            if self._token is not None and self._token is not stale:
                return self._token
            if self._shared is not None:
                LOGINS.forget(self._shared, stale)
                if self._adopt_shared(stale):
                    assert self._token is not None
                    return self._token
            if not self.can_login:
                self._failure = refused
                raise _replay(refused)
            return await self._login()

    async def _renew(self, stale: Secret | None) -> Secret:
        async with self._lock:
            self._raise_if_failed()
            if (self._token is not stale and self._fresh()) or self._adopt_shared(stale):
                assert self._token is not None
                return self._token
            return await self._login()

    def _adopt_shared(self, stale: Secret | None) -> bool:
        """Take the process's token for these credentials if there is a fresh one
        other than ``stale``."""
        if self._shared is None:
            return False
        kept = LOGINS.fresh(self._shared, self._clock())
        if kept is None or kept[0] is stale:
            return False
        self._token, self._renew_at = kept
        return True

    async def _login(self) -> Secret:
        if not self.can_login:
            raise MissingCredentialsError(_missing_message(self.username, self._password))
        if self._shared is None:
            return await self._login_now()
        while True:  # one login at a time for these credentials, across threads and loops
            running, mine = LOGINS.claim(self._shared)
            if mine:
                break
            try:
                token, renew_at = await asyncio.shield(asyncio.wrap_future(running))
            except _LoginAbandoned:
                continue  # its client stopped before the answer came: log in ourselves
            except AuthenticationError as refused:
                self._failure = refused
                raise _replay(refused) from None
            except APIStatusError as failed:  # the service's answer: it would be ours too
                raise _replay(failed) from None
            self._token, self._renew_at = token, renew_at
            return token
        try:
            token = await self._login_now()
        except APIStatusError as failed:
            # the service's own answer (a 5xx after retries, a refusal) is everyone's;
            # a 429 too long to wait, a timeout, a spent retry budget depend on this
            # client's settings, so the waiters try with theirs
            shared = failed if not isinstance(failed, RateLimitError) else _LoginAbandoned()
            LOGINS.finish(self._shared, running, error=shared)
            raise
        except BaseException:
            LOGINS.finish(self._shared, running, error=_LoginAbandoned())
            raise
        LOGINS.finish(self._shared, running, token=token, renew_at=self._renew_at)
        return token

    async def _login_now(self) -> Secret:
        assert self.username is not None and self._password is not None
        started = self._clock()
        try:
            answer = await self._fetch(self.username, self._password)
        except APIStatusError as error:
            if error.status_code not in LOGIN_REFUSED:
                raise
            self._failure = AuthenticationError(error.status_code, error.message, path=error.path)
            raise _replay(self._failure) from None
        token = Secret(str(answer["access_token"]))
        lifetime = _lifetime(answer.get("expires_in"))
        self._token = token
        self._renew_at = started + lifetime - min(self._margin, lifetime / 4)
        return token

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            raise _replay(self._failure)


def token_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, read without verifying it; ``{}`` if it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _lifetime(expires_in: Any) -> float:
    """``expires_in`` as seconds; the reference types it as a string, examples as a number."""
    try:
        seconds = float(expires_in)
    except (TypeError, ValueError):
        return DEFAULT_TOKEN_LIFETIME
    return seconds if seconds > 0 and math.isfinite(seconds) else DEFAULT_TOKEN_LIFETIME


def _missing_message(username: str | None, password: Secret | None) -> str:
    missing = [name for name, value in ((ENV_USERNAME, username), (ENV_PASSWORD, password))
               if not value]
    return (
        f"no Sales.Rocks credentials: {' and '.join(missing)} not set. Set "
        f"{ENV_USERNAME} and {ENV_PASSWORD} (or {ENV_TOKEN}) in the environment, "
        "call sr_frames.configure(username=..., password=...), or pass them to the client."
    )


def _replay(error: SalesRocksError) -> SalesRocksError:
    """A new exception equal to ``error``, so one failure can be raised to many tasks
    without their tracebacks piling up on a shared object."""
    if isinstance(error, APIStatusError):
        return type(error)(error.status_code, error.message, path=error.path)
    return type(error)(*error.args)
