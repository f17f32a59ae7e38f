"""Settings: verb arguments, then ``configure()``, then environment variables.

Code run for a task that came from another process (a Dask worker's) also sees the
settings that came with it (:func:`carried`), above this process's own.

The defaults themselves are named in :mod:`sr_frames.defaults`; this module resolves
the layers and checks the numbers a caller passes (:func:`checked_number`,
:func:`positive`, :func:`budget`, :func:`batch_size`). Credentials are held in :class:`Secret`, whose repr is
masked, so not even ``vars(client)`` or a traceback's locals show them.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from sr_frames.defaults import (
    CA_BUNDLE_FALLBACKS,
    DEFAULT_BASE_URL,
    DEFAULT_BATCH_SIZE,
    ENV_BASE_URL,
    ENV_CA_BUNDLE,
    ENV_CACHE_DIR,
    ENV_PASSWORD,
    ENV_TOKEN,
    ENV_USERNAME,
)
from sr_frames.errors import ConfigurationError

__all__ = [
    "CREDENTIALS",
    "DEFAULT_BASE_URL",
    "Secret",
    "Settings",
    "carried",
    "configure",
    "settings",
]






class Secret:
    """A credential that never shows itself: ``repr``/``str`` print a mask.

    Call :meth:`reveal` at the one place the value must go on the wire.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")

    def __bool__(self) -> bool:
        return bool(self._value)


def as_secret(value: str | Secret | None) -> Secret | None:
    """Wrap a credential; empty strings count as absent."""
    if value is None or isinstance(value, Secret):
        return value or None
    return Secret(value) if value else None


@dataclass(frozen=True)
class Settings:
    """Resolved settings. ``None`` means "not set here, fall back to the next source"."""

    username: str | None = None
    password: Secret | None = None
    token: Secret | None = None
    base_url: str | None = None
    cache_dir: str | None = None
    max_concurrency: int | None = None
    rate_limit: float | None = None
    max_retries: int | None = None
    timeout: float | None = None
    retry_after_ceiling: float | None = None
    batch_size: int | None = None
    prices: Mapping[str, float] | None = None
    ca_bundle: str | None = None
    max_answer_bytes: int | None = None
    cache_scope: str | None = None

    def merged_over(self, fallback: Settings) -> Settings:
        """These settings, with every unset field taken from ``fallback``."""
        changes = {f.name: getattr(fallback, f.name) for f in fields(self)
                   if getattr(self, f.name) is None}
        return replace(self, **changes)

    @property
    def resolved_base_url(self) -> str:
        return (self.base_url or DEFAULT_BASE_URL).rstrip("/")

    @property
    def resolved_cache_dir(self) -> Path:
        if self.cache_dir:
            return Path(self.cache_dir).expanduser()
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("sr-frames", appauthor=False))


_configured = Settings()


def _from_environment() -> Settings:
    env = os.environ
    return Settings(
        username=env.get(ENV_USERNAME) or None,
        password=as_secret(env.get(ENV_PASSWORD)),
        token=as_secret(env.get(ENV_TOKEN)),
        base_url=env.get(ENV_BASE_URL) or None,
        cache_dir=env.get(ENV_CACHE_DIR) or None,
        ca_bundle=next((env[name] for name in (ENV_CA_BUNDLE, *CA_BUNDLE_FALLBACKS)
                        if env.get(name)), None),
    )


def library_ca_bundle() -> str | None:
    """The CA bundle given to this library itself (``configure()``, a task's carried
    settings, ``SALESROCKS_CA_BUNDLE``), leaving out ``REQUESTS_CA_BUNDLE`` and
    ``SSL_CERT_FILE``: those describe this machine, and another machine has its own."""
    for layer in (_carried_layer(), _configured):
        if layer.ca_bundle:
            return layer.ca_bundle
    return os.environ.get(ENV_CA_BUNDLE) or None


def configure(**values: Any) -> Settings:
    """Set process-wide defaults, below verb arguments and above the environment.

    Takes the field names of :class:`Settings` (``username``, ``password``, ``token``,
    ``base_url``, ``cache_dir``, ``max_concurrency``, ``rate_limit``, ``max_retries``,
    ``timeout``, ``retry_after_ceiling``, ``batch_size``, ``prices`` — credits per request
    by endpoint method, for estimates; ``ca_bundle`` — a PEM file or directory of CA
    certificates trusted besides the system's; ``max_answer_bytes`` — the largest answer
    read; ``cache_scope`` — the name the configured ``base_url``'s answers are cached
    under instead of that URL). A value of ``None`` unsets it.
    Returns the new configured layer (credentials masked).
    """
    global _configured
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigurationError(
            f"configure() got unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    for name in ("password", "token"):
        if name in values:
            values[name] = as_secret(values[name])
    if values.get("ca_bundle") is not None:
        values["ca_bundle"] = os.fspath(values["ca_bundle"])
    _configured = replace(_configured, **values)
    return _configured


def settings(**overrides: Any) -> Settings:
    """The effective settings: ``overrides`` over ``configure()`` over the environment,
    field by field, except credentials, which are taken together from one layer."""
    for name in ("password", "token"):
        if name in overrides:
            overrides[name] = as_secret(overrides[name])
    given = Settings(**{k: v for k, v in overrides.items() if v is not None})
    layers = (given, _carried_layer(), _configured, _from_environment())
    merged = given
    for lower in layers[1:]:
        merged = merged.merged_over(lower)
    return replace(merged, **_credentials(layers))


_carried: ContextVar[Settings | None] = ContextVar("sr_frames_carried_settings", default=None)


_NOTHING_CARRIED = Settings()  # frozen: one empty layer serves every call


def _carried_layer() -> Settings:
    return _carried.get() or _NOTHING_CARRIED


@contextlib.contextmanager
def carried(layer: Settings) -> Iterator[None]:
    """Within this block (this thread, this context), ``layer`` is a settings layer
    above ``configure()`` and the environment, below a call's own arguments: the
    settings a task brought from the process where its verb was called, which another
    task running in the same process at the same time does not see."""
    token = _carried.set(layer)
    try:
        yield
    finally:
        _carried.reset(token)


CREDENTIALS = ("username", "password", "token")
"""The settings that are credentials: taken as a whole, never carried to another process."""


def _credentials(layers: tuple[Settings, ...]) -> dict[str, Any]:
    """Token or username and password, never a mix: the highest layer that sets any
    credential decides which kind is used. A token there (without a password beside it)
    is used alone; a username or password there is completed field by field from lower
    layers, whose tokens are ignored. So a token in the environment never rides along with a username and
    password configured in code (nor reaches a sandbox the code pointed at)."""
    for layer in layers:
        if layer.token and not layer.password:
            return {"token": layer.token, "username": None, "password": None}
        if layer.username or layer.password:
            return {"token": None,
                    "username": next((x.username for x in layers if x.username), None),
                    "password": next((x.password for x in layers if x.password), None)}
    return dict.fromkeys(CREDENTIALS)


def reset_configuration() -> None:
    """Forget everything set with ``configure()`` (the environment still applies)."""
    global _configured
    _configured = Settings()




def checked_number(value: Any, default: Any, name: str, *, integer: bool = False,
                   allow_zero: bool = False) -> Any:
    """A numeric setting, or ``ConfigurationError`` saying what is allowed."""
    value = default if value is None else value
    kinds = int if integer else int | float
    ok = (isinstance(value, kinds) and not isinstance(value, bool) and math.isfinite(value)
          and (value > 0 or (allow_zero and value == 0)))
    if not ok:
        what = "an integer" if integer else "a number"
        raise ConfigurationError(f"{name} must be {what} {'>=' if allow_zero else '>'} 0, "
                                 f"got {value!r}")
    return value


def positive(given: int | None, default: int, name: str) -> int:
    """``given`` or ``default``, checked to be a positive integer (``ValueError`` names
    ``name``)."""
    size = given or default
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"{name} must be a positive integer, got {size!r}")
    return size


def budget(max_requests: int | None) -> int | None:
    """``max_requests`` checked to be ``None`` or a whole number >= 0."""
    if max_requests is not None and (not isinstance(max_requests, int) or isinstance(max_requests, bool)
                                     or max_requests < 0):
        raise ValueError(f"max_requests must be a whole number >= 0, not {max_requests!r}")
    return max_requests


def batch_size(given: int | None = None, *, default: int = DEFAULT_BATCH_SIZE) -> int:
    """Items per request (contacts per add, phones per verification): ``given``, else
    the ``batch_size`` setting, else ``default``; checked to be a positive integer."""
    return positive(given or settings().batch_size, default, "chunk_size")
