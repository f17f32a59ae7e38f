"""Request bodies checked against the endpoint table, the way the service refuses them.

A body that is not JSON or not an object is "Invalid request body"; a missing
required field or a value of the wrong JSON type is refused with a message naming
the field. Fields the table does not know are ignored; optional fields may be null.
Those messages are answered with status 400, and so is JSON nested deeper than
``max_json_depth``; a string longer than ``max_field_chars`` or an array of more than
``max_items`` is :class:`TooLarge` (413). The limits are :class:`Limits`, from
:mod:`sr_frames.defaults`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sr_frames import defaults
from sr_frames.endpoints import Endpoint, Field
from sr_frames.sandbox.derive import BadInput, Refusal

__all__ = ["INVALID_BODY", "Limits", "TooLarge", "check_limits", "parse_body", "read_json",
           "validate_body"]


class TooLarge(Refusal):
    """The request is beyond the sandbox's stated limits (answered 413)."""

    status_code = 413


@dataclass(frozen=True)
class Limits:
    """Per-request limits (the defaults are :mod:`sr_frames.defaults`' ``SANDBOX_*``)."""

    max_body_bytes: int = defaults.SANDBOX_MAX_BODY_BYTES
    max_items: int = defaults.SANDBOX_MAX_ITEMS
    max_field_chars: int = defaults.SANDBOX_MAX_FIELD_CHARS
    max_json_depth: int = defaults.SANDBOX_MAX_JSON_DEPTH
    read_timeout: float = defaults.SANDBOX_READ_TIMEOUT

INVALID_BODY = "Invalid request body"

_SURROGATE = re.compile("[\ud800-\udfff]")

_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "boolean": "a boolean (true or false)",
    "array": "an array of strings",
    "records": "an array of objects",
}


def read_json(raw: bytes, max_depth: int = defaults.SANDBOX_MAX_JSON_DEPTH) -> Any:
    """The JSON in ``raw``, or :class:`BadInput`: not JSON (``NaN`` and ``Infinity``
    are not), nested deeper than ``max_depth``, or holding text that is not Unicode
    (a lone surrogate such as ``"\\ud800"``, which no answer could carry)."""
    too_deep = f"{INVALID_BODY}: JSON nested deeper than {max_depth} levels."
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_not_json)
    except (UnicodeDecodeError, ValueError):
        raise BadInput(INVALID_BODY) from None
    except RecursionError:
        raise BadInput(too_deep) from None
    _scan(body, max_depth, too_deep)
    return body


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def parse_body(raw: bytes) -> Any:
    """The JSON in ``raw``, or ``None`` when it is not JSON (or nested too deep)."""
    try:
        return read_json(raw)
    except BadInput:
        return None


def _scan(value: Any, max_depth: int, too_deep: str) -> None:
    """:class:`BadInput` when arrays and objects nest deeper than ``max_depth`` or a
    string or key holds a lone surrogate; iterative, so no depth can overflow it."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise BadInput(f"{INVALID_BODY}: text with a lone surrogate is not Unicode.")
            continue
        if not isinstance(item, dict | list):
            continue
        if level > max_depth:
            raise BadInput(too_deep)
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children)


def check_limits(body: dict[str, Any], limits: Limits) -> None:
    """:class:`TooLarge` naming the top-level field that holds a string longer than
    ``max_field_chars`` or an array of more than ``max_items``."""
    for name, value in body.items():
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str) and len(item) > limits.max_field_chars:
                raise TooLarge(f"Field '{name}' holds text longer than "
                               f"{limits.max_field_chars} characters.")
            if isinstance(item, list):
                if len(item) > limits.max_items:
                    raise TooLarge(f"Field '{name}' holds more than {limits.max_items} items.")
                stack.extend(item)
            elif isinstance(item, dict):
                for key, child in item.items():
                    if len(key) > limits.max_field_chars:
                        raise TooLarge(f"Field '{name}' holds a key longer than "
                                       f"{limits.max_field_chars} characters.")
                    stack.append(child)


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
    if f.choices and value not in f.choices:
        raise BadInput(f"Field '{f.name}' must be one of: {', '.join(f.choices)}.")


def validate_body(endpoint: Endpoint, body: Any, limits: Limits | None = None) -> dict[str, Any]:
    """``body`` when it satisfies ``endpoint``'s fields and ``limits``, else
    :class:`BadInput` or :class:`TooLarge`."""
    if not isinstance(body, dict):
        raise BadInput(INVALID_BODY)
    check_limits(body, limits or Limits())
    for f in endpoint.fields:
        _check_field(f, body)
    return body
