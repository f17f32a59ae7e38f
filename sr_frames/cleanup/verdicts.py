"""Best email, duplicates and the verdict of each row: the rules of the clean-up.

The default rules (also in :func:`sr_frames.cleanup.clean`'s docstring and the README):

* **drop**: a duplicate (``duplicate_of`` is set), a disposable best address, or
  neither a deliverable email nor a valid phone;
* **review**: an ``Accept All`` best email (catch-all domain), a full inbox, a
  verification confidence below ``min_confidence``, a found email whose finder
  confidence is below ``min_found_confidence``, an email that could not be verified
  (a failure or the budget: run again), or no deliverable email but a valid phone;
* **keep**: a ``Valid`` best email, not disposable, not a duplicate.

The best email is the input address when it is deliverable (``Valid`` or
``Accept All``), else the found one when that is, else an address not yet verified
(input first), else none. Two rows are the same person when they have the same best
email, or else the same first name, last name and domain once normalised (accents
folded, case and spaces ignored, ``https://www.`` and paths dropped from domains).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sr_frames import checks
from sr_frames.cells import as_text
from sr_frames.enrich.columns import MISSING, label_array, text_array

__all__ = ["VERDICTS", "Candidate", "Thresholds", "bare_domain", "decide", "duplicates", "person_key"]

VERDICTS = ("keep", "review", "drop")
DELIVERABLE = frozenset({"Valid", "Accept All"})


@dataclass(frozen=True)
class Thresholds:
    """Settable limits of the rules: ``min_confidence`` for the verifier's
    ``confidence_score`` (the service calls 50-69 "Risky"), ``min_found_confidence``
    for the finder's ``confidence``."""

    min_confidence: int = 70
    min_found_confidence: int = 70

    def __post_init__(self) -> None:
        for name in ("min_confidence", "min_found_confidence"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
                raise ValueError(f"{name} must be a whole number from 0 to 100, not {value!r}")


@dataclass(frozen=True)
class Candidate:
    """An address for a row: ``answer`` is the verifier's answer, ``None`` when it was
    not verified (``problem`` says why); ``confidence`` the finder's, for found ones."""

    email: str | None
    source: str
    answer: dict[str, Any] | None = None
    problem: str | None = None
    confidence: int | None = None

    @property
    def status(self) -> str | None:
        return self.answer.get("status") if isinstance(self.answer, dict) else None

    @property
    def deliverable(self) -> bool:
        return self.status in DELIVERABLE

    @property
    def unverified(self) -> bool:
        return self.email is not None and self.answer is None


NONE = Candidate(None, "none")


def best(given: Candidate, found: Candidate) -> Candidate:
    """The best address of a row (see the module docstring)."""
    for candidate in (given, found):
        if candidate.email is not None and candidate.deliverable:
            return candidate
    for candidate in (given, found):
        if candidate.unverified:
            return candidate
    return NONE


def bare_domain(value: Any) -> str | None:
    """``https://www.Acme.com/about`` -> ``acme.com``; ``None`` for a missing cell."""
    text = as_text(value)
    if text is None:
        return None
    text = text.lower().split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].strip().rstrip(".")
    return text.removeprefix("www.") or None


def person_key(first: Any, last: Any, domain: Any) -> tuple[str, str, str] | None:
    """Normalised first, last and domain; ``None`` unless all three are there."""
    parts = (as_text(first), as_text(last), bare_domain(domain))
    if any(p is None for p in parts):
        return None
    names = tuple(checks.name_token(p) for p in parts[:2])  # type: ignore[arg-type]
    if not all(names):
        return None
    return names[0], names[1], parts[2]  # type: ignore[return-value]


def duplicates(emails: Sequence[str | None], people: Sequence[tuple[str, str, str] | None],
               index: pd.Index) -> list[Any]:
    """Per row, the index label of the first row of the same person, else ``None``."""
    first_by_email: dict[str, int] = {}
    first_by_person: dict[tuple[str, str, str], int] = {}
    out: list[Any] = []
    for position, (email, person) in enumerate(zip(emails, people, strict=True)):
        earlier = first_by_email.get(email) if email else None
        if earlier is None and person is not None:
            earlier = first_by_person.get(person)
        out.append(None if earlier is None else index[earlier])
        if email:
            first_by_email.setdefault(email, position)
        if person is not None:
            first_by_person.setdefault(person, position)
    return out


def _score(answer: dict[str, Any] | None) -> int | None:
    value = (answer or {}).get("confidence_score")
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def verdict(chosen: Candidate, duplicate_of: Any, phone_status: str | None, phone_problem: str | None,
            limits: Thresholds) -> tuple[str, str]:
    """``(verdict, reason)`` of one row."""
    if duplicate_of is not None:
        return "drop", f"duplicate of row {duplicate_of}"
    answer = chosen.answer or {}
    if chosen.email is not None and answer.get("disposable") == "Yes":
        return "drop", "disposable address"
    found = " (found)" if chosen.source == "found" else ""
    if chosen.status == "Valid":
        score = _score(answer)
        if answer.get("full_inbox") == "Full":
            return "review", f"inbox full{found}"
        if score is not None and score < limits.min_confidence:
            return "review", f"confidence {score} below {limits.min_confidence}{found}"
        if chosen.source == "found" and chosen.confidence is not None \
                and chosen.confidence < limits.min_found_confidence:
            return "review", (f"finder confidence {chosen.confidence} below "
                              f"{limits.min_found_confidence}")
        return "keep", f"valid email{found}"
    if chosen.status == "Accept All":
        return "review", f"Accept All: the domain accepts every address{found}"
    if chosen.unverified:
        return "review", f"email not verified ({chosen.problem or 'unknown'}){found}"
    if phone_status == "VALID":
        return "review", "no deliverable email; valid phone"
    if phone_problem:
        return "review", f"no deliverable email; phone not verified ({phone_problem})"
    return "drop", "no deliverable email and no valid phone"


def decide(given: Sequence[Candidate], found: Sequence[Candidate], people: Sequence[Any],
           phone_status: Sequence[str | None], phone_problem: Sequence[str | None],
           index: pd.Index, limits: Thresholds) -> dict[str, Any]:
    """The clean-up's own columns (unprefixed names), one value per row."""
    chosen = [best(g, f) for g, f in zip(given, found, strict=True)]
    emails = [c.email for c in chosen]
    dupes = duplicates(emails, people, index)
    decided = [verdict(c, d, s, p, limits) for c, d, s, p in
               zip(chosen, dupes, phone_status, phone_problem, strict=True)]
    return {
        "best_email": text_array(emails),
        "best_email_source": _labels([c.source if c.email else None for c in chosen],
                                     ("input", "found")),
        "best_email_status": _labels([c.status for c in chosen],
                                     sorted({c.status for c in chosen if c.status})),
        "duplicate_of": _labels_of_index(dupes, index),
        "verdict": _labels([v for v, _ in decided], VERDICTS),
        "verdict_reason": text_array(r for _, r in decided),
    }


def _labels(values: Sequence[str | None], categories: Sequence[str]) -> pd.Categorical:
    return label_array(values, categories)


def _labels_of_index(labels: list[Any], index: pd.Index) -> np.ndarray:
    """Index labels as they are (any type), ``<NA>`` where there is none, as in every
    other result column (:data:`~sr_frames.enrich.columns.MISSING`)."""
    values = np.empty(len(labels), dtype=object)
    values[:] = [MISSING if label is None else label for label in labels]
    return values
