"""Which limits and cache a verb's tasks use: the cluster's, or one machine's.

When the verb is called, :func:`link_for` looks at the scheduler Dask would use now
(``dask.base.get_scheduler()``, so ``dask.config.set(scheduler=...)`` is respected):

- the distributed scheduler (a ``distributed.Client``): a :class:`ClusterLink` goes
  into the tasks, naming the cluster's :class:`~sr_frames.dask.coordinator.Coordinator`
  (rate limit, 429 pauses, ``max_requests``) and this process's
  :class:`~sr_frames.dask.client_cache.CacheDesk` (the cache); workers then touch no
  file, wherever they run;
- the threaded, multiprocessing or synchronous scheduler: ``None``, and the tasks share
  the cache directory and :mod:`sr_frames.dask.shared_limit` files of this machine.

The scheduler chosen when the verb is called is the one the graph is built for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sr_frames import defaults

__all__ = ["ClusterLink", "active_client", "link_for"]


def active_client() -> Any:
    """The ``distributed.Client`` Dask would compute with now, or ``None``."""
    import sys

    if "distributed" not in sys.modules:  # nothing can be using it
        return None
    import distributed
    from dask.base import get_scheduler

    scheduler = get_scheduler()
    owner = getattr(scheduler, "__self__", None)
    return owner if isinstance(owner, distributed.Client) else None


@dataclass(frozen=True)
class ClusterLink:
    """What a task needs to reach the cluster's shared limits and the user's cache.
    Names only: no secret, nothing that needs a connection to pickle."""

    coordinator: str
    desk: str
    cache_dir: str

    def open(self, scope: str, rate: float | None, concurrency: int | None,
             looked_up: dict[str, Any]) -> tuple[Callable[[], Any], Any]:
        """In a task: a factory of the user's cache as seen from here, and the pacer of
        the cluster's limits for ``scope`` (close it when done)."""
        import distributed

        from sr_frames.dask.client_cache import ClientCache
        from sr_frames.dask.coordinator import ClusterPacer, find_coordinator

        coordinator = find_coordinator(self.coordinator, distributed.get_client())
        pacer = ClusterPacer(coordinator, scope, rate,
                             concurrency or defaults.DEFAULT_MAX_CONCURRENCY)
        cache = ClientCache(self.desk, self.cache_dir, looked_up)
        return (lambda: cache), pacer


def link_for(cache_dir: str) -> ClusterLink | None:
    """The link for a verb called now (see the module docstring); ``None`` off a cluster."""
    client = active_client()
    if client is None:
        return None
    from sr_frames.dask.client_cache import desk_for
    from sr_frames.dask.coordinator import ensure_coordinator

    return ClusterLink(ensure_coordinator(client), desk_for(client, cache_dir), cache_dir)
