"""Stable derivation: the hash every deterministic answer comes from, and refusals.

:func:`digest` is SHA-256 based, never Python's ``hash()``, so an answer is the same
in every process and on every run. A refusal is an answer that is an error:
:class:`NotFound` (404, a definitive "not found") or :class:`BadInput` (400).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

from sr_frames import checks
from sr_frames.sandbox import vocabulary as vocab

__all__ = ["NOT_FOUND_SHARE", "BadInput", "NotFound", "Refusal", "digest", "is_missing", "person",
           "pick", "valid_domain"]

T = TypeVar("T")

NOT_FOUND_SHARE = 5
"""One input in ``NOT_FOUND_SHARE`` is a definitive "not found" for a search."""


class Refusal(Exception):
    """An answer that is an error: ``status_code`` and the service's ``message``."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(Refusal):
    """The input breaks a documented rule (answered 400)."""

    status_code = 400


class NotFound(Refusal):
    """A definitive "not found" (answered 404)."""

    status_code = 404


def digest(*parts: object) -> int:
    """A stable 64-bit number for ``parts`` (same in every process)."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def pick(options: Sequence[T], *parts: object) -> T:
    """One of ``options``, chosen by the hash of ``parts``."""
    return options[digest(*parts) % len(options)]


def is_missing(method: str, key: str) -> bool:
    """Whether the search ``method`` answers 404 for the normalised input ``key``."""
    return digest("not-found", method, key) % NOT_FOUND_SHARE == 0


def valid_domain(value: str) -> str:
    """The normalised domain, or :class:`BadInput` naming the reference's rule."""
    domain = checks.normalise("domain", value)
    error = checks.domain_error(domain)
    if error:
        raise BadInput(error)
    return domain


def person(*parts: object) -> tuple[str, str]:
    """A first and last name chosen by hash from the vocabulary."""
    return pick(vocab.FIRST_NAMES, "first", *parts), pick(vocab.LAST_NAMES, "last", *parts)
