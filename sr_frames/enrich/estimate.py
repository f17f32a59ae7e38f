"""Say what a verb would send, and what it would cost, before sending anything.

The estimate runs the same plan, cache look-up and budget as the verb itself, so the
number of requests it predicts is the number the run then sends (retries aside).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sr_frames import config
from sr_frames.enrich import engine
from sr_frames.enrich.plan import Plan
from sr_frames.enrich.report import html_table

__all__ = ["Estimate", "estimate_plan"]


@dataclass(frozen=True)
class Estimate:
    """``rows`` in the frame; ``distinct`` normalised inputs; ``cached`` already answered;
    ``skipped`` rows sending nothing (missing or invalid input, or answered locally);
    ``requests`` that would go out; ``unanswered`` inputs left over by ``max_requests``
    or ``cache_only``; ``cost`` = requests x ``price`` when a price is configured
    (``sr_frames.configure(prices={"verify_email": 0.01})``), else ``None``."""

    verb: str
    endpoint: str
    rows: int
    distinct: int
    cached: int
    skipped: int
    answered_locally: int
    requests: int
    unanswered: int
    price: float | None
    cost: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        cost = "" if self.cost is None else f", cost {self.cost:,.2f}"
        return (f"{self.verb}: {self.rows:,} rows, {self.distinct:,} distinct, "
                f"{self.cached:,} cached, {self.skipped:,} rows skipped, "
                f"{self.requests:,} requests to send{cost}")

    def _repr_html_(self) -> str:
        return html_table(f"estimate: {self.verb} ({self.endpoint})", self.to_dict())


def estimate_plan(plan: Plan, verb: str, options: engine.RunOptions, client: Any = None) -> Estimate:
    """The estimate for ``plan`` under ``options``; ``client`` only supplies base URL and account."""
    from sr_frames.client.clients import AsyncClient

    aclient = getattr(client, "aclient", client) or AsyncClient()  # no session is opened
    to_send = engine.preview(plan, options, aclient.base_url, aclient.account)
    requests = engine.count_requests(plan, to_send)
    price = (config.settings().prices or {}).get(plan.endpoint.method)
    return Estimate(
        verb=verb, endpoint=plan.endpoint.path, rows=plan.rows, distinct=plan.distinct,
        cached=plan.count("cached"), skipped=plan.rows_in("skipped", "local"),
        answered_locally=plan.count("local"), requests=requests,
        unanswered=plan.count("unanswered"), price=price,
        cost=None if price is None else round(requests * price, 6),
    )
