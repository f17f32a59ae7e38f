"""The service identity that cache keys are built from."""

from __future__ import annotations

__all__ = ["cache_scope"]


def cache_scope(base_url: str) -> str:
    """The service identity cache keys are built from.

    Every sandbox on this machine answers the same inputs the same way, whatever port it
    was given, so loopback URLs share one scope (``http://127.0.0.1``): a re-run of
    ``sr-frames ... --sandbox`` is served from the cache. Any other URL is its own scope,
    so sandbox answers are never served to a run against the real service.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    if parts.hostname in ("127.0.0.1", "localhost", "::1"):
        return f"{parts.scheme}://127.0.0.1"
    return base_url.rstrip("/")
