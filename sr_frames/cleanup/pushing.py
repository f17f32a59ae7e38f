"""Which rows of a cleaned frame to push, and as what: a filter, each person once.

``sr-frames push OUT --list-id ID --where verdict=keep --dedupe`` and the notebook's
last step use these. A cleaned row is pushed with its best email as ``email`` (the
found address where the input had none that works), and without the clean-up's own
columns (verdicts, sources, statuses), which describe the row, not the person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from sr_frames import checks
from sr_frames.cells import as_text
from sr_frames.cleanup.verdicts import person_key
from sr_frames.cleanup.waterfall import OWN_COLUMNS
from sr_frames.enrich.columns import column_error

__all__ = ["CLEANUP_COLUMNS", "contacts", "first_of_each_person", "parse_where", "where_mask"]

CLEANUP_COLUMNS = (*OWN_COLUMNS, "found_email_status")


def parse_where(conditions: Iterable[str]) -> dict[str, list[str]]:
    """``["verdict=keep,review", "country=FR"]`` -> ``{"verdict": ["keep", "review"], ...}``;
    ``ValueError`` for a condition without ``=`` or without a value."""
    out: dict[str, list[str]] = {}
    for text in conditions:
        column, sep, values = text.partition("=")
        wanted = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not column.strip() or not wanted:
            raise ValueError(f"--where {text!r}: write it as column=value or column=value,value")
        out.setdefault(column.strip(), []).extend(wanted)
    return out


def where_mask(frame: pd.DataFrame, conditions: Mapping[str, Sequence[str]]) -> np.ndarray:
    """Rows whose cells equal one of the values of every condition (compared as text,
    blanks around ignored). ``KeyError`` naming the column and the ones there are."""
    mask = np.ones(len(frame), dtype=bool)
    for column, values in conditions.items():
        if column not in frame.columns:
            raise column_error(frame, column, "where")
        texts = [as_text(v) for v in frame[column].astype("object").array]
        mask &= np.array([t in set(values) for t in texts], dtype=bool)
    return mask


def _key(email: object, person: tuple[str, str, str] | None) -> tuple[str, object] | None:
    text = as_text(email)
    if text and checks.email_syntax_error(checks.normalise("email", text)) is None:
        return ("email", checks.normalise("email", text))
    return ("person", person) if person else None


def first_of_each_person(frame: pd.DataFrame, *, known_emails: Iterable[str] = (),
                         first: str = "first_name", last: str = "last_name",
                         domain: str = "domain") -> list[str | None]:
    """Per row, ``None`` when it is the first of its person, else why it is left out:
    ``duplicate of row L`` (same best email, else email, else same first name, last
    name and domain), or ``already in the list`` (its email is in ``known_emails``)."""
    email_column = "best_email" if "best_email" in frame.columns else "email"
    emails = frame[email_column].array if email_column in frame.columns else [None] * len(frame)
    columns = [frame[c].array if c in frame.columns else [None] * len(frame) for c in (first, last, domain)]
    known = {checks.normalise("email", e) for e in known_emails if isinstance(e, str)}
    seen: dict[tuple[str, object], object] = {}
    out: list[str | None] = []
    for label, email, *names in zip(frame.index, emails, *columns, strict=True):
        key = _key(email, person_key(*names))
        if key is not None and key[0] == "email" and key[1] in known:
            out.append("already in the list")
        elif key is not None and key in seen:
            out.append(f"duplicate of row {seen[key]}")
        else:
            out.append(None)
        if key is not None:
            seen.setdefault(key, label)
    return out


def contacts(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows as contacts: ``email`` replaced by ``best_email`` where there is one,
    the clean-up's own columns left out. A new frame; ``frame`` is not modified."""
    out = frame.drop(columns=[c for c in CLEANUP_COLUMNS if c in frame.columns and c != "best_email"])
    if "best_email" in out.columns:
        best = out["best_email"].astype("object")
        if "email" in out.columns:
            out["email"] = best.where(best.notna(), out["email"].astype("object"))
        else:
            out["email"] = best
        out = out.drop(columns=["best_email"])
    return out
