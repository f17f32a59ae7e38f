"""The settings a Dask worker's client runs with, resolved in the calling process.

They travel inside the pickled tasks (to the worker processes of the user's own
cluster), because workers have no settings of their own: every setting but the price
list (estimates are made where the verb is called), applied to the task while it runs.
A ``ca_bundle`` given to the library (``configure()``, ``SALESROCKS_CA_BUNDLE``) travels as
its path, which must exist on the workers too; ``REQUESTS_CA_BUNDLE`` and
``SSL_CERT_FILE`` describe this machine and stay here (a worker reads its own). The credentials among them
never show: the repr is masked, and the Dask token that names the tasks holds only a
keyed fingerprint of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import inspect
import os
from dataclasses import dataclass, fields
from typing import Any

from sr_frames import config
from sr_frames.client.clients import AsyncClient, Client

__all__ = ["WorkerSettings"]

_PROCESS_KEY = os.urandom(32)


class _Sealed(config.Secret):
    """A credential on its way to the workers: unlike a plain ``Secret`` it travels in
    the pickled task (to worker processes of this cluster), and is still never shown."""

    __slots__ = ()

    def __reduce__(self) -> Any:
        return (_Sealed, (self.reveal(),))


@dataclass(frozen=True, repr=False)
class WorkerSettings:
    """The settings a worker's client runs with, resolved where the verb was called.

    ``repr`` masks the credentials and the Dask token (which names the tasks) holds only
    a keyed fingerprint of them; they are in the pickled task only, which the workers
    need to log in.
    """

    base_url: str
    cache_dir: str
    username: str | None = None
    password: _Sealed | None = None
    token: _Sealed | None = None
    max_concurrency: int | None = None
    rate_limit: float | None = None
    max_retries: int | None = None
    timeout: float | None = None
    retry_after_ceiling: float | None = None
    batch_size: int | None = None
    ca_bundle: str | None = None
    max_answer_bytes: int | None = None
    cache_scope: str | None = None

    @classmethod
    def resolve(cls) -> WorkerSettings:
        """This process's effective settings (``configure()`` over the environment)."""
        s = config.settings()
        carried = {name: getattr(s, name) for name in _CARRIED}
        carried.update(base_url=s.resolved_base_url, cache_dir=str(s.resolved_cache_dir),
                       ca_bundle=config.library_ca_bundle())
        return cls(username=s.username, password=_seal(s.password), token=_seal(s.token), **carried)

    def _public(self) -> tuple[Any, ...]:
        return (self.username, *(getattr(self, name) for name in _CARRIED))

    def applied(self) -> contextlib.AbstractContextManager[None]:
        """These settings as the running task's own (:func:`sr_frames.config.carried`),
        credentials aside (:meth:`client` passes those): the cache scope its keys are
        built under, the CA bundle and answer cap of its client, the batch size."""
        return config.carried(config.Settings(**{name: getattr(self, name) for name in _CARRIED}))

    def _fingerprints(self) -> tuple[str | None, ...]:
        """Tell credentials apart without showing them: Dask reuses an expression whose
        token it has seen, so a changed password must change the token. Keyed with a
        secret of this process, so the task names give nothing to guess against."""
        return tuple(None if s is None else
                     hmac.new(_PROCESS_KEY, s.reveal().encode(), hashlib.sha256).hexdigest()
                     for s in (self.password, self.token))

    def __repr__(self) -> str:
        masked = "********" if self.password or self.token else None
        return (f"WorkerSettings(base_url={self.base_url!r}, username={self.username!r}, "
                f"cache_dir={self.cache_dir!r}, rate_limit={self.rate_limit!r}, "
                f"cache_scope={self.cache_scope!r}, ca_bundle={self.ca_bundle!r}, "
                f"credentials={masked!r})")

    def __dask_tokenize__(self) -> tuple[Any, ...]:
        return ("sr_frames.WorkerSettings", *self._public(), *self._fingerprints())

    def client(self, limiter: Any = None) -> Client:
        """A blocking client with these settings (the worker's own fill the gaps)."""
        return Client(username=self.username, password=_reveal(self.password),
                      token=_reveal(self.token), limiter=limiter,
                      **{name: getattr(self, name) for name in _OF_THE_CLIENT})


_CARRIED = tuple(f.name for f in fields(WorkerSettings) if f.name not in config.CREDENTIALS)
"""Every setting but the credentials: the layer a task runs under (:meth:`WorkerSettings.applied`)."""
_OF_THE_CLIENT = tuple(name for name in _CARRIED if name in inspect.signature(AsyncClient).parameters)
"""The settings a :class:`Client` takes as arguments."""


def _seal(secret: config.Secret | None) -> _Sealed | None:
    return None if secret is None else _Sealed(secret.reveal())


def _reveal(sealed: _Sealed | None) -> str | None:
    return None if sealed is None else sealed.reveal()
