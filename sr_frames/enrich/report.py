"""The run report: what a verb did, readable from code, one line in a terminal, a table in Jupyter.

Every verb returns its report with the frame (``result.attrs["salesrocks"]``) and
keeps the latest one for :func:`last_report`. A report never holds a secret: it is
built from counts and failure reasons only.
"""

from __future__ import annotations

import html
import weakref
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["RunReport", "ShownOncePerCell", "announce", "last_report"]

_latest: RunReport | None = None
_shown: tuple[weakref.ref[Any], int | None] | None = None
"""The report shown last in Jupyter, and the cell (execution count) it was shown in."""


def _execution_count() -> int | None:
    from IPython import get_ipython

    shell = get_ipython()
    return getattr(shell, "execution_count", None)


class ShownOncePerCell:
    """In Jupyter, a report the verb has shown already is not shown again when the same
    cell's last expression is that report: one report per cell."""

    def _ipython_display_(self) -> None:
        global _shown
        from IPython.display import display

        cell = _execution_count()
        if _shown is not None and _shown[0]() is self and _shown[1] == cell:
            return
        _shown = (weakref.ref(self), cell)
        display({"text/html": self._repr_html_(), "text/plain": str(self)}, raw=True)  # type: ignore[attr-defined]


@dataclass
class RunReport(ShownOncePerCell):
    """Counts of one verb run.

    ``rows``: rows in the frame. ``distinct``: distinct normalised inputs (missing
    excluded). ``cache_hits``: distinct inputs answered from the cache.
    ``requests_sent``: HTTP requests that went out (retries included, login excluded).
    ``answered_locally``: inputs the reference documents as invalid, answered as the
    service would without a request. ``skipped``: rows by reason no request was made
    (``missing``, ``invalid``). ``failed``: distinct inputs by failure reason.
    ``unanswered``: distinct inputs left for a later run (budget reached, cache-only).
    """

    verb: str
    endpoint: str
    rows: int = 0
    distinct: int = 0
    cache_hits: int = 0
    requests_sent: int = 0
    answered: int = 0
    answered_locally: int = 0
    not_found: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    unanswered: int = 0
    retries: int = 0
    rate_limited: int = 0
    elapsed_s: float = 0.0
    interrupted: bool = False

    def __post_init__(self) -> None:
        self.elapsed_s = round(self.elapsed_s, 3)

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready counts."""
        return asdict(self)

    def __str__(self) -> str:
        parts = [
            f"{self.verb}: {self.rows:,} rows",
            f"{self.distinct:,} distinct",
            f"{self.cache_hits:,} from cache",
            f"{self.requests_sent:,} requests",
        ]
        if self.answered_locally:
            parts.append(f"{self.answered_locally:,} answered locally")
        if self.not_found:
            parts.append(f"{self.not_found:,} not found")
        if self.skipped:
            parts.append("skipped " + _counts(self.skipped))
        if self.failed:
            parts.append("failed " + _counts(self.failed))
        if self.unanswered:
            parts.append(f"{self.unanswered:,} left for a later run")
        if self.retries or self.rate_limited:
            parts.append(f"{self.retries} retries, {self.rate_limited} rate-limited")
        parts.append(f"{self.elapsed_s:.1f}s")
        line = ", ".join(parts)
        if self.interrupted:
            line += " (interrupted: answers so far are kept in the cache)"
        return line

    def _repr_html_(self) -> str:
        return html_table(f"{self.verb} ({self.endpoint})", self.to_dict())


def html_table(caption: str, values: dict[str, Any]) -> str:
    """A two-column HTML table of ``values`` (``verb`` and ``endpoint`` left out), for Jupyter."""
    cells = "".join(
        f"<tr><th style='text-align:left'>{html.escape(name.replace('_', ' '))}</th>"
        f"<td style='text-align:right'>{html.escape(_cell(value))}</td></tr>"
        for name, value in values.items() if name not in ("verb", "endpoint"))
    return f"<table><caption>{html.escape(caption)}</caption>{cells}</table>"


def _counts(counts: dict[str, int]) -> str:
    return "(" + ", ".join(f"{k}: {v:,}" for k, v in sorted(counts.items())) + ")"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return _counts(value) if value else "0"
    if isinstance(value, float):
        return f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def tally(states: list[tuple[str, str | None, int]]) -> tuple[dict[str, int], dict[str, int]]:
    """Skipped rows by reason and failed slots by reason, from (state, reason, rows) triples."""
    skipped: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for state, reason, rows in states:
        if state == "skipped":
            skipped[reason or "invalid"] += rows
        elif state == "failed":
            failed[reason or "error"] += 1
    return dict(skipped), dict(failed)


def announce(report: RunReport, progress: bool = True) -> None:
    """Show the report after the bar: HTML in Jupyter, one line on stderr elsewhere.

    Quiet when ``progress`` is off, except that an interrupted run always says so: the
    user must know what was kept.
    """
    if not progress and not report.interrupted:
        return
    from sr_frames.enrich.progress import in_notebook

    if in_notebook():
        from IPython.display import display

        display(report)  # through _ipython_display_, which remembers it was shown
    else:
        import sys

        print(report, file=sys.stderr)


def remember(report: RunReport) -> RunReport:
    global _latest
    _latest = report
    return report


def last_report() -> RunReport | None:
    """The report of the latest verb run in this process, or ``None``."""
    return _latest
