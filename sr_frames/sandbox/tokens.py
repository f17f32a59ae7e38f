"""Bearer tokens and sealed secrets, signed with a key drawn once per process.

Tokens are real JWTs (HS256, claims ``sub``, ``iat``, ``exp``, ``jti``) so a client
that peeks at ``exp`` sees what it would see from the service. ``exp`` may be
fractional: tests shorten the lifetime to a fraction of a second. Because the key
lives for the process, tokens survive a sandbox reset but never a restart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets

__all__ = ["TokenError", "issue", "seal", "subject"]

_KEY = secrets.token_bytes(32)
_SEAL_KEY = secrets.token_bytes(32)
_HEADER = {"alg": "HS256", "typ": "JWT"}
_serial = itertools.count(1)


class TokenError(Exception):
    """Why a bearer token is refused; ``message`` is the 401 message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(signing_input: str) -> str:
    return _b64(hmac.new(_KEY, signing_input.encode("ascii"), hashlib.sha256).digest())


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def issue(subject_: str, ttl: float, now: float) -> str:
    """A token for ``subject_`` valid from ``now`` (epoch seconds) for ``ttl`` seconds."""
    claims = {"sub": subject_, "iat": int(now), "exp": _number(round(now + ttl, 3)),
              "jti": f"{next(_serial):x}"}
    head = _b64(json.dumps(_HEADER, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{head}.{body}.{_sign(f'{head}.{body}')}"


def subject(authorization: str | None, now: float) -> str:
    """The user behind an ``Authorization`` header, or :class:`TokenError`."""
    if not authorization:
        raise TokenError("Missing access token: send 'Authorization: Bearer <token>'.")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("Invalid authorization header: expected 'Bearer <token>'.")
    parts = token.strip().split(".")
    if len(parts) != 3 or not hmac.compare_digest(_sign(f"{parts[0]}.{parts[1]}"), parts[2]):
        raise TokenError("Invalid access token.")
    claims = json.loads(_unb64(parts[1]))
    if now >= float(claims["exp"]):
        raise TokenError("The access token has expired.")
    return str(claims["sub"])


def seal(secret: str) -> str:
    """An opaque, stable stand-in for a mailbox password (never reversible to it)."""
    mac = hmac.new(_SEAL_KEY, secret.encode("utf-8"), hashlib.sha512).digest()
    return base64.b64encode(mac).decode("ascii").rstrip("=").replace("+", "").replace("/", "")
