"""The service identity that cache keys are built from."""

from __future__ import annotations

from urllib.parse import urlsplit

from sr_frames import config

__all__ = ["cache_scope", "normalised_base_url"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def cache_scope(base_url: str) -> str:
    """The service identity cache keys are built from: the whole normalised base URL
    (:func:`normalised_base_url`), so answers from one service are never served for
    another, whatever host they share (a sandbox and a local forwarder to the real
    service on the same machine are two scopes).

    A scope is never inferred from the host. The one exception is set explicitly: the
    ``cache_scope`` setting names the scope of the configured ``base_url`` (and of no
    other URL). The library sets it when it starts the built-in sandbox itself
    (``--sandbox``), whose answers are the same on every port, so re-runs stay free.
    """
    settings = config.settings()
    own = normalised_base_url(base_url)
    if settings.cache_scope and normalised_base_url(settings.resolved_base_url) == own:
        return settings.cache_scope
    return own


def normalised_base_url(base_url: str) -> str:
    """``scheme://host[:port]/path``: scheme and host lower-cased, a default port left
    out, the trailing ``/`` dropped; credentials, query and fragment left out.
    ``https://API.sales.rocks:443/`` is ``https://api.sales.rocks``."""
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"
