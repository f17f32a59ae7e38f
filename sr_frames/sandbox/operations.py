"""What each endpoint does with a validated body: one operation per endpoint method.

Read endpoints whose answer depends only on the input are the functions registered
with :func:`~sr_frames.sandbox.registry.answers_for` (in :mod:`answers` and
:mod:`searches`), called with the body's fields. The others (login, lists,
connections, warmers), registered here with ``operation_for``, read and change the
:class:`Store`. An operation returns an :class:`Answer` (the unwrapped result, plus
the message of a ``status`` envelope) or raises a :class:`Refusal`; wrapping the
result in the endpoint's envelope is the HTTP layer's job.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sr_frames.endpoints import ENDPOINTS, Endpoint
from sr_frames.sandbox import answers as _answers  # noqa: F401  (registers the pure answers)
from sr_frames.sandbox import tokens
from sr_frames.sandbox.derive import BadInput, Refusal
from sr_frames.sandbox.registry import ANSWERS, OPERATIONS, operation_for
from sr_frames.sandbox.state import Settings
from sr_frames.sandbox.store import EditableList, Store, company_number, timestamp, user_number

__all__ = ["OPERATIONS", "Answer", "Call", "Unauthorized", "missing", "operation", "run"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


class Unauthorized(Refusal):
    """Credentials refused (answered 401)."""

    status_code = 401


@dataclass(frozen=True)
class Answer:
    value: Any
    message: str | None = None


@dataclass(frozen=True)
class Call:
    """One validated request: ``subject`` is the token's (``None`` for the login)."""

    endpoint: Endpoint
    body: dict[str, Any]
    subject: str | None
    store: Store
    settings: Settings
    now: float

    @property
    def user(self) -> str:
        """Who asks: the token subject of an authenticated call (:class:`Unauthorized` without one)."""
        if self.subject is None:
            raise Unauthorized("This endpoint needs a bearer token.")
        return self.subject


Operation = Callable[[Call], Answer]


def _pure(fn: Callable[..., Any]) -> Operation:
    def pure(call: Call) -> Answer:
        return Answer(fn(**{f.name: call.body.get(f.name, f.default) for f in call.endpoint.fields}))

    return pure


def _positive(body: dict[str, Any], name: str) -> int:
    value = body[name]
    if value < 1:
        raise BadInput(f"Field '{name}' must be 1 or more.")
    return value


def _page(call: Call, items: list[Any]) -> list[Any]:
    """The reference's pages: 1-based, ``page`` 2 of ``size`` 5 skips the first 5."""
    page, size = _positive(call.body, "page"), _positive(call.body, "size")
    return items[(page - 1) * size: page * size]


# --- authentication --------------------------------------------------------------------


@operation_for("login")
def login(call: Call) -> Answer:
    username, password = call.body["username"], call.body["password"]
    expected = call.settings.password
    if not username.strip() or not password or (
            expected is not None and not hmac.compare_digest(password.encode(), expected.encode())):
        raise Unauthorized("Invalid username or password.")
    ttl = call.settings.token_ttl
    return Answer({"access_token": tokens.issue(username, ttl, call.now), "token_type": "Bearer",
                   "expires_in": int(ttl) if float(ttl).is_integer() else ttl})


# --- editable lists --------------------------------------------------------------------


def _list_item(record: EditableList) -> dict[str, Any]:
    return {"id": str(record.number), "user_id": str(user_number(record.owner)),
            "company_id": str(company_number(record.owner)), "uuid": record.list_id,
            "type": "editable", "name": record.name, "permissions": record.permission,
            "created_at": record.created_at, "updated_at": record.updated_at}


def _contact_item(store: Store, oid: str) -> dict[str, Any]:
    contact = store.contacts[oid]
    return {"_id": {"$oid": oid}, **contact.fields, "list_id": contact.list_id}


@operation_for("create_list")
def create_list(call: Call) -> Answer:
    name = call.body["list_name"]
    if not name.strip():
        raise BadInput("Field 'list_name' must not be empty.")
    permission = call.body["permission"]
    record = call.store.create_list(call.user, name, permission)
    return Answer(record.list_id, "List created successfully.")


@operation_for("add_to_list")
def add_to_list(call: Call) -> Answer:
    record = call.store.writable_list(call.user, call.body["list_id"])
    ids = call.store.add_contacts(record, call.body["data"])
    return Answer([{"$oid": oid} for oid in ids], f"Inserted {len(ids)} documents.")


@operation_for("get_lists")
def get_lists(call: Call) -> Answer:
    items = [_list_item(r) for r in _page(call, call.store.lists_of(call.user))]
    return Answer(items, "Lists were successfully read.")


@operation_for("get_list_data")
def get_list_data(call: Call) -> Answer:
    record = call.store.readable_list(call.user, call.body["list_id"])
    oids = _page(call, list(record.contact_ids))
    return Answer([_contact_item(call.store, o) for o in oids], "List data was successfully read.")


@operation_for("get_contact")
def get_contact(call: Call) -> Answer:
    contact = call.store.readable_contact(call.user, call.body["_id"])
    return Answer(_contact_item(call.store, contact.oid), "List data was successfully read.")


@operation_for("delete_list_data")
def delete_list_data(call: Call) -> Answer:
    deleted = call.store.delete_contacts(call.user, call.body["ids"])
    message = f"Successfully deleted {deleted} documents."
    return Answer(message, message)


@operation_for("update_list_data")
def update_list_data(call: Call) -> Answer:
    rows = call.body["data"]
    if not all(isinstance(row.get("_id"), str) for row in rows):
        raise BadInput("Every object in field 'data' needs an '_id' string.")
    matched, modified = call.store.update_contacts(call.user, rows)
    message = f"{matched} matched and {modified} modified documents."
    return Answer(message, message)


@operation_for("list_memberships")
def list_memberships(call: Call) -> Answer:
    return Answer([{"id": r.number, "list_name": r.name, "date_of_creation": r.created_at,
                    "campaigns": []} for r in call.store.lists_holding(call.user, call.body["email"])])


# --- connections and warm-up -----------------------------------------------------------


@operation_for("create_email_connection")
def create_email_connection(call: Call) -> Answer:
    body = call.body
    permission = body["permission"]
    answer = {
        "id": call.store.next_number(), "user_id": user_number(call.user), "type": "smtp",
        "name": body["sender_name"], "email": body["email"], "bcc": body.get("bcc"),
        "data": {"username": body["username"], "secret": tokens.seal(body["secret"]),
                 "permission": permission, "host": body["smtp_host"], "port": body["smtp_port"],
                 "encryption": body["smtp_encryption"], "imap_host": body.get("imap_host"),
                 "imap_port": body.get("imap_port"), "imap_encryption": body.get("imap_encryption")},
    }
    call.store.add_connection(call.user, body["email"], answer)
    return Answer(answer)


@operation_for("create_email_warmer")
def create_email_warmer(call: Call) -> Answer:
    body = call.body
    connection = call.store.connection(call.user, body["connection_email"])
    increment, limit = _positive(body, "ramp_up_increment"), _positive(body, "ramp_up_limit")
    if not _DATE.match(body["start_date"]):
        raise BadInput("Field 'start_date' must look like '2021-08-22 22:00:00'.")
    now = timestamp(call.now)
    warmer = {
        "id": call.store.next_number(), "created_at": now, "updated_at": now,
        "user_ID": user_number(call.user), "connection_ID": connection.number,
        "ramp_up_increment": increment, "ramp_up_limit": limit,
        "stop_on_limit_reach": "1" if body["stop_on_limit_reach"] else "0",
        "start_date": body["start_date"], "scheduled_today": 0, "timezone": body["timezone"],
        "mature": "1" if body["mature"] else "0", "status": "1",
    }
    call.store.warmers.append(warmer)
    return Answer(warmer)


def operation(method: str) -> Operation | None:
    """The operation answering ``method``: a registered one, else the registered pure
    answer called with the body's fields; ``None`` when the sandbox has neither."""
    if method in OPERATIONS:
        return OPERATIONS[method]
    if method in ANSWERS:
        return _pure(ANSWERS[method])
    return None


def missing() -> list[str]:
    """Endpoint methods of the table that nothing in the sandbox answers."""
    return [e.method for e in ENDPOINTS if operation(e.method) is None]


def run(call: Call) -> Answer:
    """Perform ``call`` (raises :class:`Refusal` for an error answer)."""
    found = operation(call.endpoint.method)
    if found is None:
        raise LookupError(f"the sandbox has no answer for {call.endpoint.method!r}")
    return found(call)
