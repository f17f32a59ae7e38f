"""The push ledger: which rows the service has confirmed in which list, on disk.

``push_to_list`` asks it before sending and tells it after every chunk, so pushing
the same frame again sends nothing for rows already in the list, even from another
process or tomorrow. It holds, per list and per row *content* (a SHA-256 fingerprint
of the contact as sent, never the contact itself):

* the ids the service gave to rows with that content (identical rows are distinct
  contacts: the k-th occurrence of a content in a frame maps to the k-th id), and
* how many rows with that content are *uncertain*: sent, but the answer was lost
  (timeout, dropped connection, a broken answer), so they may or may not be in the
  list. :meth:`Ledger.settle` resolves them from the list as read back, and
* until when a request that was never answered may still land (:meth:`Ledger.lands_by`),
  so the list is not read back while it could still change.

A list is identified by the service, the account and the list id, never by a
credential. The service is named by the response cache's rule
(:func:`~sr_frames.cache.scope.cache_scope`): its normalised base URL, or the
explicit ``cache_scope`` setting, which ``--sandbox`` sets, so the built-in sandbox,
started on a new port by every command, keeps one ledger across commands.

Storage is diskcache (SQLite) under ``<cache dir>/push-ledger``, created 0700, with
the response cache's JSON-only disk: nothing is ever pickled or unpickled, and a row
that is not our JSON text reads as absent.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from diskcache import Cache

from sr_frames import config
from sr_frames.cache.interrupts import interrupts_held
from sr_frames.cache.rows import raw_rows
from sr_frames.cache.scope import cache_scope
from sr_frames.cache.store import JSONOnlyDisk, private_files
from sr_frames.cells import contact_id
from sr_frames.defaults import LEDGER_LOCK_TIMEOUT
from sr_frames.endpoints import CONTACT_RESERVED

__all__ = ["LEDGER_DIRECTORY", "Ledger", "fingerprint", "ledger_directory"]

LEDGER_DIRECTORY = "push-ledger"
"""The ledger's directory inside the cache directory."""


_VERSION = "push1"
_UNCERTAIN = "uncertain"
_LANDS_BY = "lands-by"


def _canonical(value: Any) -> Any:
    """Whole floats as ints, recursively, so ``42.0`` sent and ``42`` read back agree."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def fingerprint(contact: Mapping[str, Any]) -> str:
    """The content key of a contact: SHA-256 of its canonical JSON, ``_id`` and
    ``list_id`` left out (the service sets those), as 32 hex digits."""
    body = {k: v for k, v in contact.items() if k not in CONTACT_RESERVED}
    text = json.dumps(_canonical(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _scope(base_url: str, account: str | None, list_id: str) -> str:
    """The ledger's key for one list: the service named as the response cache names it
    (:func:`~sr_frames.cache.scope.cache_scope`), the account and the list id."""
    text = json.dumps([cache_scope(base_url), account or "", list_id])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _private_directory(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)  # mkdir's mode passes through the umask; an old directory may be wider


def ledger_directory(directory: str | os.PathLike[str] | None = None) -> Path:
    """Where the ledger lives: ``push-ledger`` in ``directory`` (default: the
    configured cache directory). Nothing is created."""
    root = Path(directory or config.settings().resolved_cache_dir).expanduser()
    return root / LEDGER_DIRECTORY


class Ledger:
    """The confirmed and uncertain pushes of one list (see the module docstring).

    ``directory`` is the cache directory (default: the configured one); the ledger
    lives in its ``push-ledger`` subdirectory, created 0700. Use as a context manager.
    """

    def __init__(self, list_id: str, *, base_url: str, account: str | None,
                 directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = ledger_directory(directory)
        _private_directory(self.directory.parent)
        _private_directory(self.directory)
        self.tag = _scope(base_url, account, list_id)
        self._cache = Cache(str(self.directory), timeout=LEDGER_LOCK_TIMEOUT, disk=JSONOnlyDisk,
                            tag_index=True, eviction_policy="none")
        private_files(self.directory)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Ledger({str(self.directory)!r}, list={self.tag[:8]}...)"

    def close(self) -> None:
        self._cache.close()

    def _key(self, name: str) -> str:
        return f"{_VERSION}:{self.tag}:{name}"

    def _read(self, keys: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        sql, fetch = self._cache._sql, self._cache.disk.fetch
        for rows in raw_rows(sql, keys):
            for key, mode, filename, value in rows:
                try:
                    found[key] = fetch(mode, filename, value, False)
                except Exception:  # not our JSON text: treated as never written
                    continue
        return found

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction, whole or not at all even on Ctrl-C (see :mod:`.interrupts`)."""
        with interrupts_held(), self._cache.transact():
            yield

    def _write(self, name: str, value: Any) -> None:
        self._cache.set(self._key(name), value, tag=self.tag)

    def ids(self, hashes: Iterable[str]) -> dict[str, list[str]]:
        """``{fingerprint: [contact id, ...]}`` of confirmed pushes, for the given ones."""
        wanted = list(dict.fromkeys(hashes))
        rows = self._read([self._key(h) for h in wanted])
        out = {}
        for h in wanted:
            value = rows.get(self._key(h))
            if isinstance(value, dict) and isinstance(value.get("ids"), list):
                out[h] = [str(i) for i in value["ids"]]
        return out

    def match(self, hashes: Sequence[str | None]) -> list[str | None]:
        """The contact id of each row already confirmed, ``None`` for the others.

        ``hashes`` are the rows' fingerprints in frame order (``None``: nothing to
        send). Identical rows are distinct contacts: the k-th row with a content gets
        the k-th id known for it, so a row beyond the known ids is still to be sent.
        """
        known = self.ids(h for h in hashes if h)
        seen: dict[str, int] = {}
        out: list[str | None] = []
        for h in hashes:
            if not h:
                out.append(None)
                continue
            nth = seen[h] = seen.get(h, -1) + 1
            ids = known.get(h, [])
            out.append(ids[nth] if nth < len(ids) else None)
        return out

    def uncertain(self) -> dict[str, int]:
        """``{fingerprint: rows}`` sent without a readable answer and not yet settled."""
        value = self._read([self._key(_UNCERTAIN)]).get(self._key(_UNCERTAIN))
        if not isinstance(value, dict):
            return {}
        return {str(h): int(n) for h, n in value.items() if isinstance(n, int) and n > 0}

    def confirm(self, pairs: Iterable[tuple[str, str]], *, newest_first: bool = False) -> None:
        """Record ``(fingerprint, contact id)`` pairs the service confirmed.

        ``newest_first`` puts the new ids before the known ones (a forced push: the
        rows of the frame now map to the contacts just created).
        """
        new: dict[str, list[str]] = {}
        for h, oid in pairs:
            new.setdefault(h, []).append(oid)
        if not new:
            return
        with self._writing():
            known = self.ids(new)
            for h, added in new.items():
                fresh = set(added)
                old = [i for i in known.get(h, []) if i not in fresh]
                self._write(h, {"ids": added + old if newest_first else old + added})

    def lands_by(self) -> float:
        """When (wall-clock seconds) the last request sent without an answer may have
        landed by; 0 when none is in doubt."""
        value = self._read([self._key(_LANDS_BY)]).get(self._key(_LANDS_BY))
        return float(value) if type(value) is int or type(value) is float else 0.0

    def mark_uncertain(self, hashes: Iterable[str], *, lands_by: float = 0.0) -> None:
        """Record rows (one fingerprint per row) that may or may not have been added;
        ``lands_by`` is when their request, if unanswered, may still land by."""
        with self._writing():
            doubt = self.uncertain()
            for h in hashes:
                doubt[h] = doubt.get(h, 0) + 1
            self._write(_UNCERTAIN, doubt)
            if lands_by > self.lands_by():
                self._write(_LANDS_BY, lands_by)

    def settle(self, found: Mapping[str, Sequence[str]]) -> int:
        """Resolve every uncertain row from the list as read back, and forget the doubt.

        ``found`` maps fingerprints to the ids of the list's contacts with that content,
        in list order. For each uncertain content, ids not yet known are adopted as
        confirmed (the latest ones, at most as many as rows were uncertain); the rest
        were never added and will be sent again. Returns how many rows were adopted.
        """
        with self._writing():
            doubt = self.uncertain()
            known = self.ids(doubt)
            adopted = 0
            for h, rows in doubt.items():
                mine = set(known.get(h, []))
                fresh = [oid for oid in found.get(h, []) if oid not in mine]
                take = fresh[-rows:]
                if take:
                    self._write(h, {"ids": known.get(h, []) + take})
                    adopted += len(take)
            self._cache.delete(self._key(_UNCERTAIN))
            self._cache.delete(self._key(_LANDS_BY))
        return adopted

    def settle_records(self, records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        """:meth:`settle` from the list's contacts as read back (``_id`` and fields).

        Returns ``{"uncertain": rows in doubt, "found": adopted, "missing": the rest}``.
        """
        doubt = self.uncertain()
        rows = sum(doubt.values())
        if not rows:
            return {"uncertain": 0, "found": 0, "missing": 0}
        found: dict[str, list[str]] = {}
        for record in records:
            h, oid = fingerprint(record), contact_id(record.get("_id"))
            if h in doubt and oid is not None:
                found.setdefault(h, []).append(oid)
        adopted = self.settle(found)
        return {"uncertain": rows, "found": adopted, "missing": rows - adopted}

    def forget(self) -> int:
        """Drop everything known about this list; returns how many entries went."""
        with interrupts_held():
            return self._cache.evict(self.tag)
