"""The response cache: answers already paid for, on disk, as JSON.

One SQLite database (through diskcache) in a private directory, created 0700. A key
is ``sr1:<path>:<sha256>`` of the base URL, the normalised body and, for answers that
depend on who asks, the account; credentials never take part. Values are stored as
JSON text only: the disk class refuses to unpickle anything, so a row planted by
someone who can write to the directory is a miss, never code run (CVE-2025-69872).

A cache that fails (locked, corrupt, full) never stops a run: the failing operation is
a miss or writes nothing, and one :class:`CacheWarning` per cache object says so. A
directory that can be read but not written is read (:mod:`sr_frames.cache.readonly`),
never written, with one warning. Files are 0600 in a 0700 directory. Every ``set`` is
committed before it returns, so a killed process keeps it; ``write_rows`` commits many
answers in one statement (see :mod:`.write_behind`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from diskcache import Cache, Disk, Timeout
from diskcache.core import MODE_RAW

from sr_frames import config
from sr_frames.cache.interrupts import interrupts_held
from sr_frames.cache.kept import kept_open
from sr_frames.cache.readonly import ReadOnlyTable
from sr_frames.cache.rows import raw_rows
from sr_frames.defaults import (
    CACHE_CHECKPOINT_PAGES,
    CACHE_CULL_PER_ROW,
    CACHE_LOCK_TIMEOUT,
    CACHE_ROWS_PER_UPSERT,
)
from sr_frames.endpoints import Endpoint
from sr_frames.endpoints import endpoint as find_endpoint
from sr_frames.json_text import encode

__all__ = [
    "MISSING",
    "CacheInfo",
    "CacheWarning",
    "JSONOnlyDisk",
    "ResponseCache",
    "Row",
    "cache_info",
    "clear_cache",
    "private_directory",
    "private_files",
]

KEY_VERSION = "sr1"

_COUNT_BY_TAG = (
    "SELECT tag, COUNT(*) FROM Cache WHERE expire_time IS NULL OR expire_time > ? GROUP BY tag"
)


# one answer as write_rows stores it: what diskcache's own set() writes for a JSON row
# (key, raw 1, store, expire and access times, tag, size 0, mode raw, no file, the text)
Row = tuple[str, float, float | None, float, str, int, str]
_UPSERT_ROW = "(?, 1, ?, ?, ?, 0, ?, 0, ?, NULL, ?)"
_UPSERT_INTO = (
    "INSERT INTO Cache (key, raw, store_time, expire_time, access_time, access_count, tag,"
    " size, mode, filename, value) VALUES "
)
_UPSERT_ON_CONFLICT = (
    " ON CONFLICT (key, raw) DO UPDATE SET store_time = excluded.store_time,"
    " expire_time = excluded.expire_time, access_time = excluded.access_time, access_count = 0,"
    " tag = excluded.tag, size = 0, mode = excluded.mode, filename = NULL, value = excluded.value"
)
# Rows a statement holds (CACHE_ROWS_PER_UPSERT): 7 parameters each, under SQLite's
# oldest limit of 999. A batch is written as statements of 128 rows and one of the rest,
# so SQLite runs one step per 128 rows: each step gives up the GIL and takes it back,
# a switch whenever another thread is waiting for it (``executemany`` would take one
# step a row). A statement is prepared once per size and connection (Python's sqlite3 keeps the
# last 128 used); batches of one run are of similar sizes.


@functools.cache
def _upsert(rows: int) -> str:
    """The statement storing ``rows`` rows at once (an upsert, as ``set`` writes)."""
    return _UPSERT_INTO + ",".join([_UPSERT_ROW] * rows) + _UPSERT_ON_CONFLICT


def _upsert_chunks(rows: Sequence[Row]) -> Iterator[tuple[str, list[Any]]]:
    """``(statement, parameters)`` pairs storing ``rows``: chunks of 128, then the rest."""
    for start in range(0, len(rows), CACHE_ROWS_PER_UPSERT):
        chunk = rows[start:start + CACHE_ROWS_PER_UPSERT]
        yield _upsert(len(chunk)), [value for row in chunk for value in row]


_CULL = (  # only rows without a file: ours never have one
    "DELETE FROM Cache WHERE rowid IN (SELECT rowid FROM Cache WHERE expire_time IS NOT NULL"
    " AND expire_time < ? AND filename IS NULL ORDER BY expire_time LIMIT ?)"
)


@functools.cache
class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()
"""What :meth:`ResponseCache.get` returns for "not in the cache" (``None`` is a value)."""


def _expiry(endpoint: Endpoint, key: str, not_found: bool) -> float | None:
    """Seconds until an answer of ``endpoint`` under ``key`` expires (what :meth:`set`
    and :meth:`row` both check); ``ValueError`` for an endpoint that is never cached or
    a key of another endpoint."""
    if not endpoint.cacheable:
        raise ValueError(f"{endpoint.path} is never cached")
    if not key.startswith(f"{KEY_VERSION}:{endpoint.path}:"):
        raise ValueError(f"{key!r} is not a cache key of {endpoint.path}")
    return endpoint.not_found_ttl if not_found and endpoint.not_found_ttl else endpoint.ttl


class CacheWarning(UserWarning):
    """The cache failed; the run goes on without it for the failing operation."""


class _RefusedRow(Exception):
    """A row that is not our JSON text: pickled, foreign or unreadable."""


class JSONOnlyDisk(Disk):
    """Keys are ``str``, values JSON text in the database row; nothing is ever unpickled."""

    def __init__(self, directory: str, **_settings: Any) -> None:
        # min_file_size and pickle_protocol come from the Settings table; we use neither
        super().__init__(directory)

    def put(self, key: Any) -> tuple[Any, bool]:
        if type(key) is not str:
            raise TypeError(f"cache keys are str, not {type(key).__name__}")
        return key, True

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            raise _RefusedRow("a pickled key")
        return super().get(key, raw)

    def store(self, value: Any, read: bool, key: Any = None) -> tuple[int, int, None, str]:
        if read:
            raise TypeError("the response cache stores JSON values, not files")
        return 0, MODE_RAW, None, json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode != MODE_RAW or type(value) is not str:
            raise _RefusedRow(f"a row of mode {mode}, not JSON text")
        try:
            return json.loads(value)
        except ValueError:
            raise _RefusedRow("a row that is not valid JSON") from None


# json's encoder for the rows orjson cannot write as json would (see sr_frames.json_text);
# one for every row: ``json.dumps`` with options builds a new one each call
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _encode(value: Any) -> str:
    """The JSON text a row holds (as :meth:`JSONOnlyDisk.store` writes it); ``TypeError``
    for a value JSON cannot hold."""
    return encode(value, _ENCODER)


# what a failing cache raises; anything else is a caller's mistake and propagates
_FAILURES = (sqlite3.Error, OSError, Timeout, _RefusedRow)


def _decode_all(rows: list[tuple[str, int, Any, Any]]) -> list[Any] | None:
    """The values of ``rows`` decoded in one ``json.loads`` (much less overhead than one
    call a row), or ``None`` when any row is not plain JSON text (then each row is
    decoded, and refused, on its own)."""
    if not all(mode == MODE_RAW and type(value) is str for _, mode, _, value in rows):
        return None
    try:
        values = json.loads("[" + ",".join(value for _, _, _, value in rows) + "]")
    except ValueError:
        return None
    return values if len(values) == len(rows) else None


@dataclass(frozen=True)
class CacheInfo:
    """What the cache holds: live (unexpired) entries, per endpoint method, and bytes on disk."""

    directory: Path
    entries: int
    size_bytes: int
    by_endpoint: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = ", ".join(f"{name} {n:,}" for name, n in sorted(self.by_endpoint.items()))
        detail = f" ({parts})" if parts else ""
        size = _human(self.size_bytes)
        return f"{self.entries:,} cached answers, {size} in {self.directory}{detail}"


class ResponseCache:
    """Cached answers of read endpoints, keyed by :meth:`key`.

    ``directory`` defaults to ``settings().resolved_cache_dir`` (``SALESROCKS_CACHE_DIR``);
    it is created 0700, an existing one loses any group and other permissions, and the
    files in it are 0600. ``timeout`` bounds the
    wait for another process's write lock. ``clock`` decides what has expired when
    reading (entries are stamped with the real time when written). Use as a context
    manager or call :meth:`close`.

    ``keep_open`` (what runs use) shares one database handle per process, kept open
    from one use to the next while it still stands for the directory
    (:mod:`sr_frames.cache.kept`): the main thread's connection then survives
    :meth:`close`, with its page cache and prepared statements.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        timeout: float = CACHE_LOCK_TIMEOUT,
        clock: Callable[[], float] = time.time,
        keep_open: bool = False,
    ) -> None:
        if directory is None:
            directory = config.settings().resolved_cache_dir
        self.directory = Path(directory).expanduser()
        self._clock = clock
        self._warned = False
        self._cache: Cache | ReadOnlyTable | None = None
        self.read_only = False
        self._kept = keep_open
        try:
            self._cache = (kept_open(self.directory, timeout, _open_when_free) if keep_open
                           else _open_when_free(self.directory, timeout))
        except Exception as error:  # any failure to open leaves a cache that always misses
            self._kept = False
            self._open_read_only(error)

    def _open_read_only(self, error: BaseException) -> None:
        """After ``error`` opening the cache for writing: read it if it can be read."""
        try:
            self._cache = ReadOnlyTable(self.directory, JSONOnlyDisk(str(self.directory)))
        except Exception:
            self._warn(error, "opening it")
            return
        self.read_only = self._warned = True
        warnings.warn(
            f"the response cache in {self.directory} cannot be written ({_because(error)}): "
            "answers already in it are used, new ones are not kept. Make it writable, or "
            "set SALESROCKS_CACHE_DIR to a directory of your own.",
            CacheWarning, stacklevel=4)

    @staticmethod
    def key(
        endpoint: Endpoint, body: Mapping[str, Any], *, base_url: str, account: str | None = None
    ) -> str:
        """The cache key of one request: ``sr1:<path>:<sha256 hex>``.

        Hashes the base URL (trailing ``/`` dropped), ``body`` with sorted keys and, for
        account-scoped endpoints only, ``account``. Raises ``ValueError`` for an endpoint
        that is never cached, a body holding a secret field, or an account-scoped
        endpoint without ``account``. Credentials are never part of a key.
        """
        return ResponseCache.keyer(endpoint, base_url=base_url, account=account)(body)

    @staticmethod
    def keyer(
        endpoint: Endpoint, *, base_url: str, account: str | None = None
    ) -> Callable[[Mapping[str, Any]], str]:
        """:meth:`key` for many bodies of one endpoint: the same keys, with what they
        share (path, base URL, account) checked and encoded once."""
        if not endpoint.cacheable:
            raise ValueError(f"{endpoint.path} is never cached")
        if endpoint.account_scoped and not account:
            raise ValueError(f"{endpoint.path} answers depend on the account; pass account=")
        # json.dumps of {"account", "base_url", "body"} with sorted keys, written in parts
        scope = _dumps(account if endpoint.account_scoped else None)
        head = f'{{"account":{scope},"base_url":{_dumps(base_url.rstrip("/"))},"body":'
        prefix = f"{KEY_VERSION}:{endpoint.path}:"
        secret_fields = endpoint.secret_fields

        def key(body: Mapping[str, Any]) -> str:
            if not secret_fields.isdisjoint(body):
                secrets = sorted(secret_fields.intersection(body))
                raise ValueError(f"refusing to cache {endpoint.path}: body holds secret {secrets}")
            text = head + _body_json(body) + "}"
            # surrogatepass: a lone surrogate (never sent) cannot make key building raise
            return prefix + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

        return key

    @staticmethod
    def keys_of(
        endpoint: Endpoint, bodies: Sequence[Mapping[str, Any]], *, base_url: str,
        account: str | None = None,
    ) -> list[str]:
        """:meth:`key` of every body in ``bodies``, in order, hashed in one pass: when
        every body is one text field of the same name (an address, a domain, a handle)
        the JSON of each is written in place instead of encoded body by body."""
        key = ResponseCache.keyer(endpoint, base_url=base_url, account=account)
        if not bodies or any(len(body) != 1 for body in bodies):
            return [key(body) for body in bodies]
        (name,) = bodies[0]
        values = [body.get(name) for body in bodies]
        texts = [v for v in values if type(v) is str]
        if name in endpoint.secret_fields or len(texts) != len(values):
            return [key(body) for body in bodies]
        texts = [str(v) for v in values]  # all str already (checked above)
        scope = _dumps(account if endpoint.account_scoped else None)
        head = (f'{{"account":{scope},"base_url":{_dumps(base_url.rstrip("/"))},'
                f'"body":{{{_quote(name)}:')
        prefix, sha256, quote = f"{KEY_VERSION}:{endpoint.path}:", hashlib.sha256, _quote
        return [prefix + sha256(f"{head}{quote(v)}}}}}".encode("utf-8", "surrogatepass")).hexdigest()
                for v in texts]

    def get(self, key: str) -> Any:
        """The cached JSON value of ``key``, or :data:`MISSING` (also when the cache fails)."""
        return self.get_many((key,)).get(key, MISSING)

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """``{key: value}`` for the keys that are cached and unexpired, in no set order.

        Misses are left out; when the cache fails, this is ``{}``. Reads in chunks, so
        100,000 keys cost a few hundred queries, not 100,000.
        """
        if self._cache is None:
            return {}
        found: dict[str, Any] = {}
        refused = 0
        try:
            # one SELECT per chunk on diskcache's table (read through its per-thread
            # connection), decoded by the JSON-only disk: far faster than a get() per key
            sql, fetch = self._cache._sql, self._cache.disk.fetch
            now, pending = self._clock(), keys if isinstance(keys, list | tuple) else list(keys)
            for rows in raw_rows(sql, pending, now=now):
                decoded = _decode_all(rows)
                if decoded is not None:
                    found.update(zip((row[0] for row in rows), decoded, strict=True))
                    continue
                for key, mode, filename, value in rows:
                    try:
                        found[key] = fetch(mode, filename, value, False)
                    except _RefusedRow:
                        refused += 1
        except _FAILURES as error:
            self._warn(error, "reading")
            return {}
        if refused:
            self._warn(_RefusedRow(f"{refused} row(s) not stored as JSON text"), "reading")
        return found

    def set(self, endpoint: Endpoint, key: str, value: Any, *, not_found: bool = False) -> None:
        """Store a JSON value under ``key`` (built by :meth:`key` for ``endpoint``), committed.

        Expires after ``endpoint.ttl``, or ``endpoint.not_found_ttl`` (when set) for a
        definitive "not found". Raises ``ValueError`` for an endpoint that is never cached
        or a key of another endpoint, ``TypeError`` for a value JSON cannot hold; a
        failing cache writes nothing and warns.
        """
        ttl = _expiry(endpoint, key, not_found)
        if self._cache is None or isinstance(self._cache, ReadOnlyTable):  # read-only: no writes
            return
        try:
            with interrupts_held():  # an answer paid for is kept whole, even on Ctrl-C
                self._cache.set(key, value, expire=ttl, tag=endpoint.method)
        except _FAILURES as error:
            self._warn(error, "writing")

    def row(self, endpoint: Endpoint, key: str, value: Any, *, not_found: bool = False) -> Row:
        """``value`` under ``key``, checked and encoded as :meth:`set` would store it, for
        :meth:`write_rows`; raises what :meth:`set` raises, before anything is written.
        Its expiry counts from now."""
        ttl = _expiry(endpoint, key, not_found)
        now = time.time()
        text = _encode(value)
        return (key, now, None if ttl is None else now + ttl, now, endpoint.method, MODE_RAW, text)

    def write_rows(self, rows: Sequence[Row], *, cull: bool = True) -> None:
        """Store ``rows`` (from :meth:`row`), committed before this returns: one
        statement, which SQLite runs as one transaction, for up to
        :data:`~sr_frames.defaults.CACHE_ROWS_PER_UPSERT` rows. Rows land as :meth:`set`
        writes them. With ``cull``, expired rows are then culled as diskcache culls
        (a caller writing often may cull once, with :meth:`cull`). A failing cache, or a
        read-only one, writes nothing and warns."""
        if self._cache is None or isinstance(self._cache, ReadOnlyTable) or not rows:
            return
        try:
            with interrupts_held():
                # no BEGIN ... COMMIT around them: each statement is atomic on its own, and
                # every extra statement is one more hand-over of the GIL to another thread
                connection = self._cache._con
                for statement, parameters in _upsert_chunks(rows):
                    connection.execute(statement, parameters)
        except _FAILURES as error:
            self._warn(error, "writing")
        if cull:
            self.cull(len(rows))

    def cull(self, written: int) -> None:
        """Remove expired rows, as many as diskcache would after ``written`` writes."""
        if self._cache is None or isinstance(self._cache, ReadOnlyTable) or written <= 0:
            return
        try:
            with interrupts_held():
                self._cache._con.execute(_CULL, (time.time(), CACHE_CULL_PER_ROW * written))
        except _FAILURES as error:
            self._warn(error, "writing")

    def info(self) -> CacheInfo:
        """Live entries (per endpoint method) and bytes on disk; zeros when the cache fails."""
        counts: dict[str, int] = {}
        entries = 0
        if self._cache is not None:
            try:
                for tag, n in self._cache._sql(_COUNT_BY_TAG, (self._clock(),)):
                    entries += n
                    if isinstance(tag, str):
                        counts[tag] = n
            except _FAILURES as error:
                self._warn(error, "counting")
        return CacheInfo(self.directory, entries, _disk_usage(self.directory), counts)

    def clear(self, endpoint: Endpoint | str | None = None) -> int:
        """Remove every entry, or those of one endpoint (method name or path, as in
        ``endpoints.endpoint``); returns how many were removed. Unknown names raise ``KeyError``.
        """
        if isinstance(endpoint, str):
            endpoint = find_endpoint(endpoint)
        if self._cache is None or isinstance(self._cache, ReadOnlyTable):  # read-only: no writes
            return 0
        try:
            if endpoint is None:
                return self._cache.clear()
            return self._cache.evict(endpoint.method)
        except Timeout as error:  # diskcache reports the rows removed before the lock hit
            self._warn(error, "clearing")
            return int(error.args[0]) if error.args else 0
        except _FAILURES as error:
            self._warn(error, "clearing")
            return 0

    def close(self) -> None:
        """Close this thread's database connection; the cache reopens it if used again.
        With ``keep_open``, the main thread's stays open for the next user."""
        if self._cache is None or (self._kept and threading.current_thread() is threading.main_thread()):
            return
        self._cache.close()

    def close_thread(self) -> None:
        """:meth:`close`, from the thread that wrote (for the write-behind's protocol)."""
        self.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.directory)!r})"

    def _warn(self, error: BaseException, doing: str) -> None:
        if self._warned:
            return
        self._warned = True
        reason = _because(error)
        warnings.warn(
            f"the response cache in {self.directory} failed while {doing} ({reason}); "
            "carrying on without it, so affected answers are requested again. "
            "Remove that directory or set SALESROCKS_CACHE_DIR to another one.",
            CacheWarning,
            stacklevel=3,
        )


_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_quote = json.encoder.encode_basestring  # what _dumps writes for one string, in C


def _body_json(body: Mapping[str, Any]) -> str:
    """``_dumps(dict(body))``, quicker for the common body of string fields."""
    if len(body) == 1:
        ((name, value),) = body.items()
        if type(value) is str:
            return f"{{{_quote(name)}:{_quote(value)}}}"
    if all(type(v) is str for v in body.values()):
        return "{" + ",".join(f"{_quote(k)}:{_quote(body[k])}" for k in sorted(body)) + "}"
    return _dumps(dict(body))


def cache_info(directory: str | os.PathLike[str] | None = None) -> CacheInfo:
    """What the cache in ``directory`` (default: the configured one) holds."""
    with ResponseCache(directory) as cache:
        return cache.info()


def clear_cache(
    endpoint: Endpoint | str | None = None, directory: str | os.PathLike[str] | None = None
) -> int:
    """Remove all cached answers, or one endpoint's; returns how many were removed."""
    with ResponseCache(directory) as cache:
        return cache.clear(endpoint)


def _because(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def private_files(directory: Path) -> None:
    """Make the files in ``directory`` readable and writable by their owner only (0600).

    SQLite creates its files (and gives its journal files the database's mode) through
    the umask, 0644 as a rule. The directory is already 0700; the files are tightened
    too, so a copy or a later ``chmod`` of the directory exposes nothing."""
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mode & 0o077:
            path.chmod(0o600)


def private_directory(directory: Path) -> None:
    """Create ``directory`` 0700, or take group and other permissions off an existing
    one (mkdir's mode is filtered by the umask; an old directory may be wider). The
    owner's own permissions are left as they are: a directory made read-only stays so."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = directory.stat().st_mode & 0o777
    if mode & 0o077:
        directory.chmod(mode & 0o700)


def _open_when_free(directory: Path, timeout: float) -> Cache:
    """:func:`_open`, tried again for up to ``timeout`` seconds while another writer holds
    the database: SQLite answers "locked" at once, without waiting, when a connection
    that began by reading must write (diskcache's set-up does), so a cache opened while
    another thread or process writes would otherwise be taken for a read-only one."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return _open(directory, timeout)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _open(directory: Path, timeout: float) -> Cache:
    private_directory(directory)
    cache = Cache.__new__(Cache)
    try:
        # eviction "none": answers already paid for are dropped by expiry, never for size;
        # the log folded in every CACHE_CHECKPOINT_PAGES pages (diskcache applies the
        # setting to each connection it opens, in every thread)
        cache.__init__(
            str(directory), timeout=timeout, disk=JSONOnlyDisk,
            tag_index=True, eviction_policy="none",
            sqlite_wal_autocheckpoint=CACHE_CHECKPOINT_PAGES,
        )
    except BaseException:
        if hasattr(cache, "_local"):  # close the connection a half-built cache holds
            cache.close()
        raise
    private_files(directory)
    return cache


def _disk_usage(directory: Path) -> int:
    try:
        return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
    except OSError:
        return 0


def _human(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    value, units = size / 1000, ["kB", "MB", "GB"]
    while value >= 1000 and len(units) > 1:
        value, units = value / 1000, units[1:]
    return f"{value:,.1f} {units[0]}"
