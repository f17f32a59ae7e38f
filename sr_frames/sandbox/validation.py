"""Request bodies checked against the endpoint table, the way the service refuses them.

A body that is not JSON or not an object is "Invalid request body"; a missing
required field or a value of the wrong JSON type is refused with a message naming
the field. Fields the table does not know are ignored; optional fields may be null.
Every message here is answered with status 400.
"""

from __future__ import annotations

import json
from typing import Any

from sr_frames.endpoints import Endpoint, Field
from sr_frames.sandbox.derive import BadInput

__all__ = ["INVALID_BODY", "parse_body", "validate_body"]

INVALID_BODY = "Invalid request body"

_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "boolean": "a boolean (true or false)",
    "array": "an array of strings",
    "records": "an array of objects",
}


def parse_body(raw: bytes) -> Any:
    """The JSON in ``raw``, or ``None`` when it is not JSON at all."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _is(type_: str, value: Any) -> bool:
    if type_ == "string":
        return isinstance(value, str)
    if type_ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_ == "boolean":
        return isinstance(value, bool)
    if type_ == "array":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _check_field(f: Field, body: dict[str, Any]) -> None:
    if f.name not in body:
        if f.required:
            raise BadInput(f"Missing required field '{f.name}'.")
        return
    value = body[f.name]
    if value is None and not f.required:
        return
    if not _is(f.type, value):
        raise BadInput(f"Field '{f.name}' must be {_TYPE_WORDS[f.type]}.")


def validate_body(endpoint: Endpoint, body: Any) -> dict[str, Any]:
    """``body`` when it satisfies ``endpoint``'s fields, else :class:`BadInput`."""
    if not isinstance(body, dict):
        raise BadInput(INVALID_BODY)
    for f in endpoint.fields:
        _check_field(f, body)
    return body
