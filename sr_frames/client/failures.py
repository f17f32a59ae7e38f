"""Failure classification: what a failed request means for the caller.

Beside the retry decisions (:mod:`sr_frames.client.retry`): :func:`reason` names the
failure family written into result columns, :func:`maybe_applied` and
:func:`may_still_land` say whether a write that failed may still have reached (or may
still reach) the service, and :func:`describe` is the one line a result column holds.
"""

from __future__ import annotations

from sr_frames.errors import InvalidResponseError, SalesRocksError, ServerError, TransportError

__all__ = ["GATEWAY_STATUSES", "describe", "may_still_land", "maybe_applied", "reason"]


def reason(error: BaseException) -> str:
    """The failure family of ``error`` (``timeout``, ``server_error``, ...); ``error``
    for anything that is not ours."""
    return error.reason if isinstance(error, SalesRocksError) else "error"


def maybe_applied(error: BaseException) -> bool:
    """Whether a failed request that adds or creates something may have been applied
    by the service (a lost answer, a 5xx, an unreadable answer, anything unforeseen),
    so that sending it again could make a duplicate."""
    if isinstance(error, TransportError):
        return error.maybe_applied
    if isinstance(error, SalesRocksError):
        return isinstance(error, InvalidResponseError | ServerError)
    return True  # assume the worst: never resend blindly


GATEWAY_STATUSES = frozenset({502, 503, 504})
"""Answers from a gateway or proxy: the service behind it may still apply the request."""


def may_still_land(error: BaseException) -> bool:
    """Whether a request that failed with ``error`` may still be applied later: it was
    never answered (timeout, dropped connection, anything unforeseen), or only by a
    gateway in front of the service. A request the service itself answered is done."""
    if isinstance(error, TransportError) or not isinstance(error, SalesRocksError):
        return True
    return getattr(error, "status_code", None) in GATEWAY_STATUSES


def describe(error: BaseException) -> str:
    """``"<reason>: <message>"`` for our errors; the class name alone for anything else
    (a foreign message could quote a request value)."""
    if isinstance(error, SalesRocksError):
        return f"{error.reason}: {error}"
    return f"error: {type(error).__name__}"
