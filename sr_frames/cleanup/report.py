"""The clean-up's report: a part per step and a total, with the verdict counts.

Each part is the step's own :class:`~sr_frames.enrich.report.RunReport` (a step that
asked two endpoints, the finder by domain and by company name, has them summed).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from sr_frames.enrich.report import RunReport, ShownOncePerCell

__all__ = ["CleanReport", "merge"]

_SUMMED = ("rows", "distinct", "cache_hits", "requests_sent", "answered", "answered_locally",
           "not_found", "unanswered", "retries", "rate_limited", "elapsed_s")


def merge(name: str, reports: list[RunReport]) -> RunReport:
    """One report adding up ``reports`` (the endpoints of one step)."""
    if len(reports) == 1:
        return reports[0]
    endpoints = " + ".join(r.endpoint for r in reports)
    total = RunReport(name, endpoints)
    for report in reports:
        for counter in _SUMMED:
            setattr(total, counter, getattr(total, counter) + getattr(report, counter))
        for counts, more in ((total.skipped, report.skipped), (total.failed, report.failed)):
            for reason, n in more.items():
                counts[reason] = counts.get(reason, 0) + n
        total.interrupted |= report.interrupted
    total.elapsed_s = round(total.elapsed_s, 3)
    return total


@dataclass
class CleanReport(ShownOncePerCell):
    """``steps``: step name -> its report (steps left out are absent); ``verdicts``:
    rows per verdict; ``requests_sent``, ``cache_hits`` and ``failed`` summed over steps."""

    rows: int
    steps: dict[str, RunReport] = field(default_factory=dict)
    verdicts: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    interrupted: bool = False

    @property
    def requests_sent(self) -> int:
        return sum(r.requests_sent for r in self.steps.values())

    @property
    def cache_hits(self) -> int:
        return sum(r.cache_hits for r in self.steps.values())

    @property
    def failed(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for report in self.steps.values():
            for reason, n in report.failed.items():
                out[reason] = out.get(reason, 0) + n
        return out

    @property
    def unanswered(self) -> int:
        return sum(r.unanswered for r in self.steps.values())

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "steps": {k: v.to_dict() for k, v in self.steps.items()},
                "verdicts": dict(self.verdicts), "requests_sent": self.requests_sent,
                "cache_hits": self.cache_hits, "failed": self.failed,
                "unanswered": self.unanswered, "elapsed_s": self.elapsed_s}

    def verdict_line(self) -> str:
        return ", ".join(f"{n:,} {v}" for v, n in self.verdicts.items())

    def __str__(self) -> str:
        lines = [f"  {name}: {report}".replace(f"{report.verb}: ", "", 1)
                 for name, report in self.steps.items()]
        total = (f"clean: {self.rows:,} rows, {self.requests_sent:,} requests, "
                 f"{self.cache_hits:,} from cache, {self.elapsed_s:.1f}s: {self.verdict_line()}")
        if self.interrupted:
            total += " (interrupted: answers so far are kept in the cache)"
        return "\n".join([*lines, total])

    def _repr_html_(self) -> str:
        head = ("<tr><th>step</th><th>distinct</th><th>from cache</th><th>requests</th>"
                "<th>answered locally</th><th>not found</th><th>failed</th><th>left</th></tr>")
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
            + "".join(f"<td style='text-align:right'>{v:,}</td>" for v in (
                r.distinct, r.cache_hits, r.requests_sent, r.answered_locally, r.not_found,
                r.failed_total, r.unanswered)) + "</tr>"
            for name, r in self.steps.items())
        total = (f"<tr><th style='text-align:left'>total</th><td></td>"
                 f"<td style='text-align:right'>{self.cache_hits:,}</td>"
                 f"<td style='text-align:right'>{self.requests_sent:,}</td>"
                 f"<td colspan='4'>{html.escape(self.verdict_line())}</td></tr>")
        caption = f"clean: {self.rows:,} rows, {self.elapsed_s:.1f}s"
        return f"<table><caption>{html.escape(caption)}</caption>{head}{rows}{total}</table>"
