"""The cache lives where the user is: workers read and write it through the scheduler.

With the distributed scheduler, a worker may be on a machine whose disk the user never
sees, so workers keep no cache of their own. The process that builds the graph (the
one holding the ``distributed.Client``) opens a :class:`CacheDesk`: it subscribes to a
topic of its own on the scheduler, and for every message there it reads or writes its
own cache directory. A worker's run uses a :class:`ClientCache` in place of a
``ResponseCache`` (through :attr:`sr_frames.enrich.engine.RunOptions.store`; the run's
write-behind thread hands it the answers in batches):

- before anything is sent, the distinct inputs' cache keys go to the desk, which answers
  what it holds, so only what the user's cache lacks is sent;
- answers go back to the desk in chunks as they arrive, and the task ends only once
  the desk has stored them all: when a computation returns, its answers are in the
  user's cache, and a re-run sends nothing, wherever its tasks run.

The data itself travels in ``distributed.Variable`` values (deleted once read, so the
scheduler keeps nothing); the event names them. Only cache keys (hashes) and answers of
read endpoints travel, never a credential. The desk serves one message at a time, in
order of arrival, on a thread of its own (never the client's event loop), and accepts
only the cache directories its own process handed out.
"""

from __future__ import annotations

import concurrent.futures
import threading
import uuid
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from sr_frames.cache.store import CacheWarning, ResponseCache
from sr_frames.defaults import DASK_LOOKUP_CHUNK, DASK_REPLY_TIMEOUT, DASK_STORE_CHUNK
from sr_frames.endpoints import Endpoint, endpoint

__all__ = ["CacheDesk", "ClientCache", "desk_for"]

_TOPIC = "sr_frames-cache-"


class CacheDesk:
    """Serves workers' cache look-ups and stores from this process's cache directories."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.topic = _TOPIC + uuid.uuid4().hex
        self._directories: set[str] = set()
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sr-frames-cache-desk")
        client.subscribe_topic(self.topic, self._received)

    def allow(self, cache_dir: str) -> None:
        """Accept look-ups and stores for ``cache_dir`` (a directory this process uses)."""
        self._directories.add(cache_dir)

    def _received(self, event: tuple[float, Any]) -> None:  # on the client's event loop
        self._pool.submit(self._serve, event[1])

    def _serve(self, message: dict[str, Any]) -> None:
        import distributed

        reply = distributed.Variable(message["reply"], client=self.client)
        try:
            payload = distributed.Variable(message["payload"], client=self.client)
            data = payload.get(timeout=DASK_REPLY_TIMEOUT)
            payload.delete()
            directory = message["cache_dir"]
            if directory not in self._directories:
                raise PermissionError(f"{directory!r} is not a cache directory of this process")
            with ResponseCache(directory) as cache:
                if message["op"] == "lookup":
                    outcome: Any = cache.get_many(data)
                else:
                    cache.write_rows([cache.row(endpoint(method), key, value, not_found=not_found)
                                      for method, key, value, not_found in data])
                    outcome = len(data)
            reply.set({"ok": outcome})
        except Exception as error:  # the worker waiting for the reply says what went wrong
            reply.set({"error": f"{type(error).__name__}: {error}"})


_desks: dict[str, CacheDesk] = {}
_desks_lock = threading.Lock()


def desk_for(client: Any, cache_dir: str) -> str:
    """The topic of this process's desk for ``client`` (opened once per client), now
    accepting ``cache_dir``."""
    with _desks_lock:
        desk = _desks.get(client.id)
        if desk is None:
            desk = _desks[client.id] = CacheDesk(client)
    desk.allow(cache_dir)
    return desk.topic


def _as_json(value: Any) -> Any:
    """``value`` as JSON gives it: Dask's messages turn lists into tuples on the way."""
    if isinstance(value, list | tuple):
        return [_as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    return value


class ClientCache:
    """A worker's view of the user's cache: ``get_many`` and the write-behind's
    :class:`~sr_frames.cache.write_behind.RowStore` methods of a ``ResponseCache``,
    served by the :class:`CacheDesk` at ``topic``.

    Made in the task's thread (it keeps that task's worker and client). ``looked_up``
    remembers what the desk answered, so the budget's preview and the run ask once.
    ``write_rows`` may be called from any thread and never waits: chunks are sent by a
    thread of their own; :meth:`close` waits until the desk has stored them all.
    """

    def __init__(self, topic: str, cache_dir: str, looked_up: dict[str, Any] | None = None) -> None:
        import distributed

        self._topic, self._cache_dir = topic, cache_dir
        self._worker = distributed.get_worker()
        self._client = distributed.get_client()
        self._looked_up = {} if looked_up is None else looked_up
        self._pending: list[tuple[str, str, Any, bool]] = []
        self._lock = threading.Lock()
        self._sender: concurrent.futures.ThreadPoolExecutor | None = None
        self._sent: list[concurrent.futures.Future[None]] = []

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        wanted = list(keys)
        missing = [k for k in dict.fromkeys(wanted) if k not in self._looked_up]
        for start in range(0, len(missing), DASK_LOOKUP_CHUNK):
            chunk = missing[start:start + DASK_LOOKUP_CHUNK]
            found = self._ask("lookup", chunk)
            self._looked_up.update((k, _as_json(found.get(k))) for k in chunk)
        return {k: self._looked_up[k] for k in wanted if self._looked_up[k] is not None}

    def row(self, endpoint: Endpoint, key: str, value: Any, *,
            not_found: bool = False) -> tuple[str, str, Any, bool]:
        """One answer for :meth:`write_rows` (checked by the desk when it stores it)."""
        return (endpoint.method, key, value, not_found)

    def write_rows(self, rows: Sequence[tuple[str, str, Any, bool]], *, cull: bool = True) -> None:
        """Hand ``rows`` (from :meth:`row`) to the desk without waiting: they go in chunks
        from a thread of their own (the caller is the task's event loop), and
        :meth:`close` waits until the desk has stored them all. The desk culls expired
        rows as it stores them, so ``cull`` is not needed."""
        with self._lock:
            self._pending.extend(rows)
            self._send_pending()

    def cull(self, written: int) -> None:
        """Nothing to do: the desk's cache culls as it stores."""

    def close_thread(self) -> None:
        """Nothing to do: no thread opens anything here."""

    def _send_pending(self) -> None:  # with the lock held
        pending, self._pending = self._pending, []
        if not pending:
            return
        if self._sender is None:
            self._sender = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sr-frames-store")
        sender = self._sender
        self._sent.extend(sender.submit(self._store, pending[start:start + DASK_STORE_CHUNK])
                          for start in range(0, len(pending), DASK_STORE_CHUNK))

    def _store(self, chunk: list[tuple[str, str, Any, bool]]) -> None:
        self._ask("store", chunk)

    def close(self) -> None:
        """Send what is left and wait until the desk has stored everything."""
        with self._lock:
            self._send_pending()
            sent, self._sent = self._sent, []
        failures = [f.exception() for f in sent if f.exception() is not None]
        if self._sender is not None:
            self._sender.shutdown(wait=True)
            self._sender = None
        if failures:
            warnings.warn(f"answers could not all be stored in the cache of the process that "
                          f"started the computation: {failures[0]}", CacheWarning, stacklevel=2)

    def _ask(self, op: str, data: Any) -> Any:
        """Hand ``data`` to the desk and wait for its reply."""
        import distributed

        name = f"{self._topic}-{uuid.uuid4().hex}"
        reply = distributed.Variable(name + "-out", client=self._client)
        distributed.Variable(name + "-in", client=self._client).set(data)
        self._worker.log_event(self._topic, {"op": op, "payload": name + "-in",
                                             "reply": name + "-out", "cache_dir": self._cache_dir})
        try:
            answer = reply.get(timeout=DASK_REPLY_TIMEOUT)
        except TimeoutError:
            distributed.Variable(name + "-in", client=self._client).delete()
            raise RuntimeError(
                f"the process that built this computation did not answer a cache {op} within "
                f"{DASK_REPLY_TIMEOUT:g} s: compute it from the process, and Dask client, that called "
                "the verb") from None
        reply.delete()
        if "error" in answer:
            raise RuntimeError(f"the cache {op} failed in the process that built the "
                               f"computation: {answer['error']}")
        return answer["ok"]
