"""What users create, kept in memory: editable lists, their contacts, mailbox connections.

Each record belongs to the user (the token subject) who created it. A user reads and
changes only their own lists, except that a list with permission "company" can be read
by every user of the same company (the part of the username after ``@``), as the
reference describes (Get Lists still shows only the user's own lists); writing to
someone else's list is refused with 403. Ids look like
the service's: list ids of 12 ``[a-z0-9]`` characters, contact ids of 24 hex digits
(``{"$oid": ...}``), numeric ids as counters. Nothing is persisted unless asked:
:meth:`Store.to_json` and :meth:`Store.from_json` carry a store across processes (the
command line's ``--sandbox`` keeps one under the cache directory).
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sr_frames.sandbox.derive import NotFound, Refusal, digest

__all__ = ["Connection", "Contact", "EditableList", "Forbidden", "Store", "company_of", "user_number"]

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_RESERVED = frozenset({"_id", "list_id"})
_MISSING = object()


class Forbidden(Refusal):
    """The caller may see the record but not change it (answered 403)."""

    status_code = 403


def user_number(username: str) -> int:
    """The numeric user id the service would show for ``username``."""
    return 100 + digest("user", username) % 900_000


def company_of(username: str) -> str:
    """The company a username belongs to: the part after ``@``, else the username itself."""
    return username.rpartition("@")[2].lower() or username


def company_number(username: str) -> int:
    return 10 + digest("company", company_of(username)) % 90_000


def timestamp(epoch: float) -> str:
    """The service's ``YYYY-MM-DD HH:MM:SS`` (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


@dataclass
class EditableList:
    number: int
    list_id: str
    owner: str
    name: str
    permission: str
    created_at: str
    updated_at: str
    contact_ids: dict[str, None] = field(default_factory=dict)  # insertion-ordered set


@dataclass
class Contact:
    oid: str
    list_id: str
    owner: str
    fields: dict[str, Any]

    @property
    def email(self) -> str | None:
        value = self.fields.get("email")
        return value.strip().lower() if isinstance(value, str) else None


@dataclass
class Connection:
    number: int
    owner: str
    email: str
    answer: dict[str, Any]


class Store:
    """Every user's lists, contacts and connections; ``clock`` gives epoch seconds."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.lists: dict[str, EditableList] = {}
        self.contacts: dict[str, Contact] = {}
        self.connections: dict[tuple[str, str], Connection] = {}
        self.warmers: list[dict[str, Any]] = []
        self._by_email: dict[tuple[str, str], dict[str, None]] = {}
        self._numbers = itertools.count(26454)
        self._oids = itertools.count(1)
        self._machine = f"{digest('machine', id(self)) % 16**10:010x}"

    # --- persistence -------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """Lists, contacts, connections and warmers as plain JSON (see :meth:`from_json`)."""
        return {
            "lists": [{**dataclasses.asdict(r), "contact_ids": list(r.contact_ids)}
                      for r in self.lists.values()],
            "contacts": [dataclasses.asdict(c) for c in self.contacts.values()],
            "connections": [dataclasses.asdict(c) for c in self.connections.values()],
            "warmers": list(self.warmers),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], clock: Callable[[], float] = time.time) -> Store:
        """A store holding what :meth:`to_json` gave; numbering goes on after it."""
        store = cls(clock)
        for row in data.get("lists", []):
            record = EditableList(**{**row, "contact_ids": dict.fromkeys(row["contact_ids"])})
            store.lists[record.list_id] = record
        for row in data.get("contacts", []):
            contact = Contact(**row)
            store.contacts[contact.oid] = contact
            store._index(contact)
        for row in data.get("connections", []):
            connection = Connection(**row)
            store.connections[(connection.owner, connection.email)] = connection
        store.warmers = list(data.get("warmers", []))
        numbers = [r.number for r in store.lists.values()] + [
            c.number for c in store.connections.values() if isinstance(c.number, int)]
        store._numbers = itertools.count(max(numbers, default=26453) + 1)
        oids = [int(oid[-6:], 16) for oid in store.contacts]
        store._oids = itertools.count(max(oids, default=0) + 1)
        return store

    # --- ids ---------------------------------------------------------------------------
    def next_number(self) -> int:
        return next(self._numbers)

    def _new_list_id(self, owner: str, name: str) -> str:
        for attempt in itertools.count():
            n = digest("list", owner, name, len(self.lists), attempt)
            list_id = "".join(_ALPHABET[(n >> (5 * i)) % 36] for i in range(12))
            if list_id not in self.lists:
                return list_id
        raise AssertionError("unreachable")

    def _new_oid(self) -> str:
        return f"{int(self.clock()) % 16**8:08x}{self._machine}{next(self._oids) % 16**6:06x}"

    # --- lists -------------------------------------------------------------------------
    def create_list(self, owner: str, name: str, permission: str) -> EditableList:
        now = timestamp(self.clock())
        record = EditableList(self.next_number(), self._new_list_id(owner, name), owner, name,
                              permission, now, now)
        self.lists[record.list_id] = record
        return record

    def readable_list(self, user: str, list_id: str) -> EditableList:
        record = self.lists.get(list_id)
        if record is None or not self._may_read(user, record):
            raise NotFound("List not found.")
        return record

    def writable_list(self, user: str, list_id: str) -> EditableList:
        record = self.readable_list(user, list_id)
        if record.owner != user:
            raise Forbidden("You do not have permission to change this list.")
        return record

    @staticmethod
    def _may_read(user: str, record: EditableList) -> bool:
        if record.owner == user:
            return True
        return record.permission == "company" and company_of(record.owner) == company_of(user)

    def lists_of(self, user: str) -> list[EditableList]:
        """The user's own lists, oldest first."""
        return [r for r in self.lists.values() if r.owner == user]

    def contacts_of(self, record: EditableList) -> list[Contact]:
        return [self.contacts[oid] for oid in record.contact_ids]

    # --- contacts ----------------------------------------------------------------------
    def add_contacts(self, record: EditableList, rows: Iterable[Mapping[str, Any]]) -> list[str]:
        """Insert ``rows`` into ``record``; their new ids in input order."""
        ids = []
        for row in rows:
            contact = Contact(self._new_oid(), record.list_id, record.owner,
                              {k: v for k, v in row.items() if k not in _RESERVED})
            self.contacts[contact.oid] = contact
            record.contact_ids[contact.oid] = None
            self._index(contact)
            ids.append(contact.oid)
        record.updated_at = timestamp(self.clock())
        return ids

    def readable_contact(self, user: str, oid: str) -> Contact:
        contact = self.contacts.get(oid)
        if contact is None or not self._may_read(user, self.lists[contact.list_id]):
            raise NotFound("Contact not found.")
        return contact

    def delete_contacts(self, user: str, oids: Iterable[str]) -> int:
        """Delete the user's own contacts among ``oids``; how many went."""
        deleted = 0
        for oid in dict.fromkeys(oids):
            contact = self.contacts.get(oid)
            if contact is None or contact.owner != user:
                continue
            self._unindex(contact)
            del self.contacts[oid]
            record = self.lists[contact.list_id]
            del record.contact_ids[oid]
            record.updated_at = timestamp(self.clock())
            deleted += 1
        return deleted

    def update_contacts(self, user: str, rows: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
        """Set fields on the user's own contacts (each row names its ``_id``):
        ``(matched, modified)`` the way MongoDB counts them."""
        matched = modified = 0
        for row in rows:
            contact = self.contacts.get(row["_id"])
            if contact is None or contact.owner != user:
                continue
            matched += 1
            changes = {k: v for k, v in row.items() if k not in _RESERVED}
            if all(contact.fields.get(k, _MISSING) == v for k, v in changes.items()):
                continue
            self._unindex(contact)
            contact.fields.update(changes)
            self._index(contact)
            self.lists[contact.list_id].updated_at = timestamp(self.clock())
            modified += 1
        return matched, modified

    def lists_holding(self, user: str, email: str) -> list[EditableList]:
        """The user's own lists that hold a contact with ``email`` (any case), oldest first."""
        oids = self._by_email.get((user, email.strip().lower()), {})
        ids = {self.contacts[oid].list_id for oid in oids}
        return [r for r in self.lists_of(user) if r.list_id in ids]

    def _index(self, contact: Contact) -> None:
        if contact.email:
            self._by_email.setdefault((contact.owner, contact.email), {})[contact.oid] = None

    def _unindex(self, contact: Contact) -> None:
        if contact.email:
            self._by_email.get((contact.owner, contact.email), {}).pop(contact.oid, None)

    # --- connections -------------------------------------------------------------------
    def add_connection(self, owner: str, email: str, answer: dict[str, Any]) -> Connection:
        connection = Connection(answer["id"], owner, email.strip().lower(), answer)
        self.connections[(owner, connection.email)] = connection
        return connection

    def connection(self, user: str, email: str) -> Connection:
        found = self.connections.get((user, email.strip().lower()))
        if found is None:
            raise NotFound(f"No email connection found for {email!r}.")
        return found
