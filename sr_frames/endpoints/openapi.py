"""The API as an OpenAPI 3.1 document, generated from the endpoint table.

:func:`openapi_document` says what the table knows and no more: one ``POST``
operation per endpoint (``operationId`` is the client method), the request body with
the table's fields, JSON types and required fields (optional fields may be ``null``;
fields the table does not know are allowed and ignored), bearer authentication
(none for the login), the success answer inside its envelope (reading 4 in the
README) with the answer fields the table names and their types, and the error shape
``{"error": {"status_code", "message"}}`` for every error status. Confidence values
may be integers or strings (reading 7). The sandbox serves it at ``/openapi.json``
with its own address as the server.
"""

from __future__ import annotations

from typing import Any

from sr_frames.defaults import DEFAULT_BASE_URL
from sr_frames.endpoints import ENDPOINTS, TOKEN, WHOLE_ANSWER, Endpoint, Field

__all__ = ["ERROR_STATUSES", "openapi_document"]

ERROR_STATUSES = {
    400: "The body breaks a documented rule (the message names it).",
    401: "Missing, invalid or expired token; or wrong credentials at the login.",
    403: "The caller may see the record but not change it.",
    404: "A definitive \"not found\", or an unknown record.",
    408: "The request body did not arrive in time.",
    413: "The request is beyond a size limit (the message names it).",
    429: "Too many requests: wait ``Retry-After`` seconds.",
    500: "The service failed.",
}
"""Every error status an operation may answer, each in the error shape."""

_TEXT_RESULTS = frozenset({"message", "list_id"})
"""Results under these envelope keys are text: the ``status`` envelope's message, and
the string list id Create List answers (reading 8)."""

_FIELD_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "array": {"type": "array", "items": {"type": "string"}},
    "records": {"type": "array", "items": {"type": "object"}},
}

_ERROR = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {"error": {
        "type": "object",
        "required": ["status_code", "message"],
        "additionalProperties": False,
        "properties": {"status_code": {"type": "integer"}, "message": {"type": "string"}},
    }},
}


_FORMATS = {"email": "email", "domain": "hostname"}
"""JSON Schema formats of the kinds of text that have one."""


def _field_schema(f: Field) -> dict[str, Any]:
    schema = dict(_FIELD_TYPES[f.type])
    if f.type == "string" and f.kind in _FORMATS:
        schema["format"] = _FORMATS[f.kind]
    if f.choices:
        schema["enum"] = [*f.choices, *([None] if not f.required else [])]
    if not f.required:
        schema["type"] = [schema["type"], "null"]
    if f.default is not None:
        schema["default"] = f.default
    if f.secret:
        schema["format"] = "password"
        schema["writeOnly"] = True
    return schema


def request_schema(ep: Endpoint) -> dict[str, Any]:
    """The JSON Schema of ``ep``'s request body."""
    return {
        "type": "object",
        "properties": {f.name: _field_schema(f) for f in ep.fields},
        "required": [f.name for f in ep.fields if f.required],
    }


def _answer_field(ep: Endpoint, name: str) -> dict[str, Any]:
    if name in ep.integer_answers:
        return {"type": ["integer", "string"]}
    if name in ep.list_answers:
        return {"type": "array"}
    return {"type": ["string", "null"]}


def _item_schema(ep: Endpoint) -> dict[str, Any]:
    """One answer object, with the answer fields the table maps to result columns."""
    named = {k: _answer_field(ep, k) for k in ep.columns if k != WHOLE_ANSWER}
    return {"type": "object", "properties": named} if named else {"type": "object"}


def answer_schema(ep: Endpoint) -> dict[str, Any]:
    """The JSON Schema of ``ep``'s answer, unwrapped from its envelope."""
    if ep is TOKEN:
        return {"type": "object", "required": ["access_token"], "properties": {
            "access_token": {"type": "string", "minLength": 1},
            "token_type": {"type": "string"},
            "expires_in": {"type": "number"},
        }}
    if ep.result_key in _TEXT_RESULTS:
        return {"type": "string"}
    if ep.answer == "list" or ep.batch_field:
        return {"type": "array", "items": _item_schema(ep)}
    return _item_schema(ep)


def success_schema(ep: Endpoint) -> dict[str, Any]:
    """The JSON Schema of ``ep``'s 200 body: the answer inside its envelope."""
    answer = answer_schema(ep)
    if ep.envelope == "bare":
        return answer
    if ep.envelope == "data":
        return {"type": "object", "required": ["data"],
                "properties": {"status_code": {"type": "integer"}, "data": answer}}
    key = ep.result_key or "data"
    properties: dict[str, Any] = {"status": {"type": "string"},
                                  "status_code": {"type": "integer"},
                                  "message": {"type": "string"}}
    properties[key] = answer
    return {"type": "object", "required": ["status", key], "properties": properties}


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_STATUSES[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status == 429:
        response["headers"] = {"Retry-After": {
            "description": "Seconds to wait before asking again.",
            "schema": {"type": "string", "pattern": r"^\d+$"},
        }}
    return response


def _operation(ep: Endpoint) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": ep.method,
        "summary": ep.summary,
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": request_schema(ep)}}},
        "responses": {
            "200": {"description": "The answer.",
                    "content": {"application/json": {"schema": success_schema(ep)}}},
            **{str(status): {"$ref": f"#/components/responses/E{status}"}
               for status in ERROR_STATUSES},
        },
    }
    if not ep.authenticated:
        operation["security"] = []
    return operation


def openapi_document(server_url: str = DEFAULT_BASE_URL) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every endpoint of the table, served at ``server_url``."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sales.Rocks API",
            "version": "1",
            "description": "Generated from sr_frames' endpoint table; where the published "
                           "reference contradicts itself, it follows the README's readings.",
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "security": [{"bearer": []}],
        "paths": {ep.path: {"post": _operation(ep)} for ep in ENDPOINTS},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "bearerFormat": "JWT"}},
            "schemas": {"Error": _ERROR},
            "responses": {f"E{status}": _error_response(status) for status in ERROR_STATUSES},
        },
    }
