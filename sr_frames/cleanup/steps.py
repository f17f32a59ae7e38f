"""One step of the clean-up: an endpoint run over some rows of the frame.

A step plans only the rows it concerns (the finder runs only where no deliverable
email exists), so the rows it leaves alone send nothing and carry no error; their
result cells are missing. Everything else is the engine's: distinct inputs once, the
cache first, local checks, the budget, the bar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sr_frames.endpoints import endpoint
from sr_frames.enrich import engine
from sr_frames.enrich.collector import bulk
from sr_frames.enrich.columns import result_columns
from sr_frames.enrich.plan import Plan, make_plan
from sr_frames.enrich.report import RunReport

__all__ = ["StepRun", "expand", "plan_rows", "run_plan", "slot_per_row"]

DELIVERABLE = frozenset({"Valid", "Accept All"})
"""Email statuses a message can be delivered to (``Accept All``: the domain takes
every address, so it may or may not reach a person)."""


@dataclass
class StepRun:
    """A step's plan over ``positions`` (row positions of the frame) and its report."""

    name: str
    plan: Plan
    positions: np.ndarray
    report: RunReport | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def columns(self, rows: int, prefix: str) -> dict[str, Any]:
        """The endpoint's result columns for all ``rows`` of the frame (missing elsewhere)."""
        with bulk():
            partial = result_columns(self.plan, prefix)
        return {name: expand(values, self.positions, rows) for name, values in partial.items()}

    def answer_per_row(self, rows: int) -> list[Any]:
        """Each frame row's slot (``None`` for rows outside the step)."""
        return slot_per_row(self.plan, self.positions, rows)


def plan_rows(method: str, inputs: Mapping[str, pd.Series], positions: np.ndarray,
              sources: Mapping[str, str]) -> Plan:
    """The plan of ``method`` over the rows at ``positions`` of ``inputs``' columns."""
    subset = {name: column.iloc[positions].reset_index(drop=True) for name, column in inputs.items()}
    with bulk():
        return make_plan(endpoint(method), subset, sources=sources)


def run_plan(plan: Plan, verb: str, options: engine.RunOptions, client: Any) -> RunReport:
    """Run ``plan`` (its report not announced: the clean-up announces one for all)."""
    return engine.run(plan, verb, options, client)


def expand(values: Any, positions: np.ndarray, rows: int) -> Any:
    """Per-position values as a column of ``rows``, missing where no position is."""
    if len(positions) == rows and np.array_equal(positions, np.arange(rows)):
        return values
    series = pd.Series(values, index=positions, copy=False)
    if series.dtype == object:
        full = np.full(rows, None, dtype=object)
        full[positions] = series.to_numpy()
        return full
    return series.reindex(np.arange(rows)).array


def slot_per_row(plan: Plan, positions: np.ndarray, rows: int) -> list[Any]:
    out: list[Any] = [None] * rows
    for position, slot in zip(positions.tolist(), plan.row_slot.tolist(), strict=True):
        out[position] = plan.slots[slot]
    return out
