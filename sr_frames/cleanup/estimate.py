"""What a clean-up would send, step by step, before anything is sent.

The same plans as the run, with the engine's preview (cache look-up, local checks,
budget) in place of sending. ``verify`` and ``phones`` depend only on the frame and
the cache, so their counts are exact. ``find`` depends on the verifier's answers and
``verify_found`` on the finder's: where those answers are not in the cache yet, the
count is an upper bound (every pending address taken as ``Invalid``, every pending
search as finding a new address), and says so. Once the earlier steps are cached,
every count is exact.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from sr_frames.cleanup.steps import StepRun
from sr_frames.cleanup.waterfall import ANSWERED, CleanColumns, Waterfall, check_steps
from sr_frames.enrich import engine

__all__ = ["CleanEstimate", "StepEstimate", "estimate_clean"]


@dataclass(frozen=True)
class StepEstimate:
    """``requests`` the step would send; ``exact`` or an upper bound; ``distinct``
    inputs planned and ``cached`` among them."""

    step: str
    requests: int
    exact: bool
    distinct: int
    cached: int

    def __str__(self) -> str:
        kind = "exact" if self.exact else "upper bound: depends on earlier answers"
        return (f"{self.step}: {'' if self.exact else 'at most '}{self.requests:,} requests "
                f"({kind}; {self.distinct:,} distinct, {self.cached:,} cached)")


@dataclass(frozen=True)
class CleanEstimate:
    """Per step (those chosen), what it would send; ``requests`` their sum."""

    rows: int
    steps: dict[str, StepEstimate]

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.steps.values())

    @property
    def exact(self) -> bool:
        return all(s.exact for s in self.steps.values())

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "requests": self.requests, "exact": self.exact,
                "steps": {k: asdict(v) for k, v in self.steps.items()}}

    def __str__(self) -> str:
        total = f"clean: {self.rows:,} rows, {'' if self.exact else 'at most '}" \
                f"{self.requests:,} requests to send"
        return "\n".join([*(f"  {s}" for s in self.steps.values()), total])

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(s.step)}</th>"
            f"<td style='text-align:right'>{'≤ ' if not s.exact else ''}{s.requests:,}</td>"
            f"<td>{'exact' if s.exact else 'upper bound'}</td>"
            f"<td style='text-align:right'>{s.distinct:,}</td>"
            f"<td style='text-align:right'>{s.cached:,}</td></tr>" for s in self.steps.values())
        head = "<tr><th>step</th><th>requests</th><th></th><th>distinct</th><th>cached</th></tr>"
        caption = f"estimate: clean ({self.rows:,} rows)"
        return f"<table><caption>{html.escape(caption)}</caption>{head}{rows}</table>"


class _Preview:
    def __init__(self, options: engine.RunOptions, client: Any) -> None:
        from sr_frames.client.clients import AsyncClient

        self.aclient = getattr(client, "aclient", client) or AsyncClient()  # opens no session
        self.options, self.left = options, options.max_requests

    def __call__(self, step: StepRun) -> tuple[int, int]:
        """(requests, cached) of ``step``; its plan's slots marked as the run would."""
        from dataclasses import replace

        options = replace(self.options, max_requests=self.left)
        to_send = engine.preview(step.plan, options, self.aclient.base_url, self.aclient.account)
        requests = engine.count_requests(step.plan, to_send)
        if self.left is not None:
            self.left = max(0, self.left - requests)
        return requests, step.plan.count("cached")


def estimate_clean(frame: pd.DataFrame, columns: CleanColumns, *, region: str | None = None,
                   steps: Sequence[str] | str | None = None,
                   options: engine.RunOptions | None = None, client: Any = None) -> CleanEstimate:
    """The estimate of :func:`~sr_frames.cleanup.waterfall.clean` with the same arguments."""
    chosen = check_steps(steps)
    columns = columns.checked(frame, chosen)
    flow = Waterfall(frame, columns, region)
    preview = _Preview(options or engine.RunOptions(), client)
    out: dict[str, StepEstimate] = {}
    verify = None
    unknown = False  # answers a later step depends on that are not known yet
    if "verify" in chosen:
        verify = flow.verify_plan()
        sent, cached = preview(verify)
        unknown = sent > 0
        out["verify"] = StepEstimate("verify", sent, True, verify.plan.distinct, cached)
    finds: list[StepRun] = []
    find_sent = 0
    if "find" in chosen:
        finds = flow.find_plans(flow.needs_finding(verify, worst_case=True))
        counts = [preview(step) for step in finds]
        find_sent = sum(c[0] for c in counts)
        out["find"] = StepEstimate("find", find_sent, not unknown,
                                   sum(s.plan.distinct for s in finds), sum(c[1] for c in counts))
    if "verify_found" in chosen:
        to_verify: dict[str, Any] = {}
        if verify is not None:
            for email, slot in zip(flow.emails, verify.answer_per_row(flow.rows), strict=True):
                if email is not None and slot is not None and slot.state in (*ANSWERED, "pending"):
                    to_verify.setdefault(email, slot)
        step = flow.verify_found_plan(flow.found_per_row(finds), to_verify)
        sent, cached = preview(step) if step is not None else (0, 0)
        bound = sent + find_sent
        if preview.left is not None:
            bound = min(bound, sent + preview.left)
        exact = not unknown and find_sent == 0
        out["verify_found"] = StepEstimate("verify_found", bound, exact,
                                           step.plan.distinct if step else 0, cached)
    if "phones" in chosen and columns.phone is not None:
        phones = flow.phone_plan()
        sent, cached = preview(phones)
        out["phones"] = StepEstimate("phones", sent, True, phones.plan.distinct, cached)
    return CleanEstimate(flow.rows, out)
