"""Exceptions, one class per failure family.

::

    SalesRocksError
    ├── ConfigurationError            bad settings; nothing was sent
    │   └── MissingCredentialsError   no username/password or token anywhere
    ├── RequestValidationError        a request body that breaks the endpoint table
    ├── BudgetExhausted               max_requests reached: the request was not sent
    ├── TransportError                the request got no HTTP answer
    │   ├── ConnectError              never reached the service (safe to resend)
    │   │   └── CertificateError      the service's TLS certificate failed verification
    │   ├── RequestTimeout            sent, no answer in time (may have been applied)
    │   └── ConnectionDropped         sent, connection closed (may have been applied)
    ├── InvalidResponseError          an answer that is not JSON or not the documented shape
    │   └── AnswerTooLarge            an answer beyond ``max_answer_bytes``, left unread
    └── APIStatusError                the service answered with an error status
        ├── BadRequestError           400
        ├── AuthenticationError       401, or a login refused
        ├── PermissionDeniedError     403
        ├── NotFoundError             404 (a definitive "not found")
        ├── RateLimitError            429 (``retry_after`` seconds)
        ├── RedirectRefused           3xx: redirects are never followed
        └── ServerError               5xx
    WorkbookError                     an input file refused (over a limit, DTD) or unreadable

Messages never contain a secret: the client builds them from the status, the path and
the service's own message, never from request headers or bodies.
"""

from __future__ import annotations

__all__ = [
    "APIStatusError",
    "AnswerTooLarge",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExhausted",
    "CertificateError",
    "ConfigurationError",
    "ConnectError",
    "ConnectionDropped",
    "InvalidResponseError",
    "MissingCredentialsError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RedirectRefused",
    "RequestTimeout",
    "RequestValidationError",
    "SalesRocksError",
    "ServerError",
    "TransportError",
    "WorkbookError",
    "error_for_status",
]


class SalesRocksError(Exception):
    """Base of every error this library raises on purpose."""

    #: short machine-readable family, used as the "reason" in run reports
    reason = "error"


class ConfigurationError(SalesRocksError, ValueError):
    reason = "configuration"


class MissingCredentialsError(ConfigurationError):
    reason = "missing_credentials"


class RequestValidationError(SalesRocksError, ValueError):
    reason = "invalid_request"


class BudgetExhausted(SalesRocksError):
    """The run's ``max_requests`` is used up; this request was not sent."""

    reason = "budget"


class TransportError(SalesRocksError):
    """No HTTP answer. ``maybe_applied`` says whether the service may have acted on it."""

    reason = "transport"
    maybe_applied = True


class ConnectError(TransportError):
    reason = "connect"
    maybe_applied = False


class CertificateError(ConnectError):
    """The TLS certificate of the service (or of a proxy in front of it) failed
    verification; nothing was sent. Never retried: it fails the same way every time."""

    reason = "certificate"


class RequestTimeout(TransportError):
    reason = "timeout"


class ConnectionDropped(TransportError):
    reason = "dropped"


class WorkbookError(SalesRocksError, ValueError):
    """A workbook or CSV file that is refused or cannot be read.

    ``limit`` names the limit it broke (``"max_cells"``, ...) or is ``None`` for a file
    that is simply unreadable; the message names the setting that raises the limit.
    A ``ValueError`` too, so code that caught unreadable inputs before still does.
    """

    reason = "workbook"

    def __init__(self, message: str, *, limit: str | None = None) -> None:
        super().__init__(message)
        self.limit = limit


class InvalidResponseError(SalesRocksError):
    reason = "invalid_response"


class AnswerTooLarge(InvalidResponseError):
    """An answer grew past ``max_answer_bytes`` (counted decompressed, as it streamed
    in); the rest was never read. Never retried: the same request gets the same answer."""

    reason = "too_large"


class APIStatusError(SalesRocksError):
    """The service answered ``status_code`` with ``message`` (its own words, kept)."""

    reason = "http_error"

    def __init__(self, status_code: int, message: str, *, path: str | None = None) -> None:
        self.status_code = status_code
        self.message = message
        self.path = path
        where = f" from {path}" if path else ""
        super().__init__(f"HTTP {status_code}{where}: {message}")


class BadRequestError(APIStatusError):
    reason = "bad_request"


class AuthenticationError(APIStatusError):
    reason = "authentication"


class PermissionDeniedError(APIStatusError):
    reason = "permission_denied"


class NotFoundError(APIStatusError):
    reason = "not_found"


class RateLimitError(APIStatusError):
    reason = "rate_limited"

    def __init__(
        self, status_code: int, message: str, *, path: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status_code, message, path=path)
        self.retry_after = retry_after


class RedirectRefused(APIStatusError):
    """A 3xx answer. Redirects are never followed (a body re-sent elsewhere could carry
    a password or a mailbox secret away), never retried, and never taken as an answer."""

    reason = "redirect"


class ServerError(APIStatusError):
    reason = "server_error"


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def error_for_status(status_code: int, message: str, *, path: str | None = None) -> APIStatusError:
    """The exception for an error answer; 5xx is ``ServerError``, other codes the base."""
    if status_code >= 500:
        return ServerError(status_code, message, path=path)
    cls = _BY_STATUS.get(status_code, APIStatusError)
    return cls(status_code, message, path=path)
