"""Requests and answers as the endpoint table describes them: bodies checked before
sending, answers checked for their documented shape, and the signatures and
docstrings of the client methods generated from the table.

A body that breaks the table raises :class:`~sr_frames.errors.RequestValidationError`
naming the field, never its value, so nothing malformed (or secret) reaches the wire
or a message.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from sr_frames.client.retry import parse_retry_after
from sr_frames.config import Secret
from sr_frames.endpoints import TOKEN, Endpoint, Field
from sr_frames.errors import InvalidResponseError, RateLimitError, RequestValidationError, error_for_status
from sr_frames.json_text import decode_shared, encode

__all__ = [
    "NOT_JSON",
    "conceal",
    "read_answer",
    "service_message",
    "shape_problem",
    "validate_body",
    "wire_body",
]


# -- request bodies, checked against the endpoint table ------------------------------

def validate_body(ep: Endpoint, body: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body to send for ``ep``: defaults filled in, ``None`` optionals left out.

    Raises :class:`RequestValidationError` naming the field for an unknown field, a
    missing or blank required field, a wrong JSON type or a value that is not JSON
    (NaN, infinity, objects). Messages never contain a value.
    """
    if not isinstance(body, Mapping):
        raise RequestValidationError(f"{ep.path}: the body must be a mapping, "
                                     f"not {type(body).__name__}")
    if not ep.field_names.issuperset(body):
        unknown = sorted(set(body) - ep.field_names)
        known = ", ".join(f.name for f in ep.fields) or "none"
        raise RequestValidationError(f"{ep.path} has no field {', '.join(unknown)}; "
                                     f"its fields: {known}")
    out: dict[str, Any] = {}
    for f in ep.fields:
        value = body.get(f.name)
        if value is None:
            value = f.default
        if value is None:
            if f.required:
                raise RequestValidationError(f"{ep.path}: field {f.name!r} is required")
            continue
        out[f.name] = _checked(ep, f, value)
    return out


def _checked(ep: Endpoint, f: Field, value: Any) -> Any:
    if isinstance(value, Secret):  # checked as text, and kept wrapped
        if _coerce(f, value.reveal())[0] is not None:
            raise RequestValidationError(f"{ep.path}: field {f.name!r} must be a non-empty string")
        return value
    problem, value = _coerce(f, value)
    if problem is None and type(value) is not str:  # a text is always JSON
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            problem = "holds a value that is not JSON (NaN, infinity or an object)"
    if problem:
        raise RequestValidationError(f"{ep.path}: field {f.name!r} {problem}")
    return value


def conceal(ep: Endpoint, body: Mapping[str, Any]) -> Mapping[str, Any]:
    """``body`` with the values of ``ep``'s secret fields wrapped in :class:`Secret`
    (a copy; ``body`` itself if it holds none), so that no frame holding the body shows
    them in a traceback's locals."""
    secrets = ep.secret_fields
    if not secrets or not isinstance(body, Mapping) or secrets.isdisjoint(body):
        return body
    return {k: Secret(v) if k in secrets and isinstance(v, str) else v for k, v in body.items()}


def wire_body(ep: Endpoint, body: Mapping[str, Any]) -> Secret:
    """The checked body of ``ep`` as the JSON text to send, wrapped: secrets are revealed
    only inside the JSON encoder, never into a variable."""
    return Secret(encode(validate_body(ep, body), _WIRE_ENCODER, _revealed))


def _revealed(value: Any) -> Any:
    if isinstance(value, Secret):
        return value.reveal()
    raise TypeError(f"{type(value).__name__} is not JSON")


# one encoder for every body: json.dumps with options builds a new one each call
_WIRE_ENCODER = json.JSONEncoder(allow_nan=False, default=_revealed)


def _coerce(f: Field, value: Any) -> tuple[str | None, Any]:
    if f.type == "string":
        if not isinstance(value, str):
            return f"must be a string, not {type(value).__name__}", value
        blank = f.required and not value.strip()
        return ("must not be empty" if blank else None), value
    if f.type == "integer":
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        return (None, int(value)) if ok else (f"must be an integer, not {type(value).__name__}",
                                             value)
    if f.type == "boolean":
        return (None if isinstance(value, bool) else "must be true or false"), value
    if not isinstance(value, list | tuple):
        return f"must be a list, not {type(value).__name__}", value
    item = str if f.type == "array" else Mapping
    if not all(isinstance(v, item) for v in value):
        return f"must be a list of {'strings' if item is str else 'objects'}", value
    return None, [dict(v) if item is Mapping else v for v in value]


# -- one method per endpoint ---------------------------------------------------------









# -- answers ---------------------------------------------------------------------------

NOT_JSON = object()
"""Stands for an answer body that did not parse as JSON."""


def shape_problem(ep: Endpoint, body: Any, status: int) -> str | None:
    """Why ``body`` is not the documented answer of ``ep``, or ``None``."""
    if body is NOT_JSON:
        return "a body that is not JSON"
    if not 200 <= status < 300:
        return "an unexpected status"
    if ep is TOKEN:
        token = body.get("access_token") if isinstance(body, dict) else None
        return None if isinstance(token, str) and token else "no access_token"
    if ep.result_key is not None:
        if not isinstance(body, dict) or ep.result_key not in body:
            return f"no {ep.result_key!r} in the answer"
        body = body[ep.result_key]
    elif ep.answer == "object" and not isinstance(body, dict):
        return "an answer that is not a JSON object"
    if ep.answer == "list" and not isinstance(body, list):
        return "an answer that is not a JSON list"
    return None


def service_message(raw: bytes, status: int) -> str:
    """The service's own message from ``{"error": {"message": ...}}``, else the reason."""
    try:
        message = json.loads(raw)["error"]["message"]
    except (ValueError, KeyError, TypeError, IndexError):
        message = None
    if isinstance(message, str) and message:
        return message
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def read_answer(ep: Endpoint, status: int, raw: bytes, retry_after: str | None, *,
                ceiling: float) -> Any:
    """The JSON answer of one attempt, or the error it stands for: ``RateLimitError``
    (with the ``Retry-After`` seconds; the message says when they exceed ``ceiling``),
    the error class of the status, or ``InvalidResponseError`` for a body that is not
    JSON or not the documented shape."""
    if status == 429:
        wait, message = parse_retry_after(retry_after), service_message(raw, status)
        if wait is not None and wait > ceiling:
            message += f" (Retry-After {wait:g} s is above retry_after_ceiling {ceiling:g} s)"
        raise RateLimitError(429, message, path=ep.path, retry_after=wait)
    if status >= 400:
        raise error_for_status(status, service_message(raw, status), path=ep.path)
    try:
        body = decode_shared(raw)
    except (ValueError, RecursionError):
        body = NOT_JSON
    problem = shape_problem(ep, body, status)
    if problem:
        raise InvalidResponseError(f"{ep.path} answered {status} with {problem}")
    return body
