"""The summary of a cleaned frame: counts and shares, small enough to read at a glance.

``summary(result)`` gives one row per (section, value): ``verdict`` (keep / review /
drop, always all three), ``email status`` (of the best email; ``none`` where there
is none), ``phone status`` and ``country`` (the region each phone was read in), then
``run``: requests sent and cache hits, when the frame still carries its report.
``rows`` counts rows, ``share`` is the share of all rows (empty for ``run``). In
Jupyter it renders as a table with a bar per share.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from sr_frames.cleanup.report import CleanReport
from sr_frames.cleanup.verdicts import VERDICTS

__all__ = ["Summary", "summary"]

MISSING = "none"


class Summary(pd.DataFrame):
    """A summary frame: a plain DataFrame that draws its shares as bars in Jupyter."""

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame  # slices and arithmetic give plain frames

    def _repr_html_(self) -> str:
        head = "<tr><th>section</th><th>value</th><th>rows</th><th>share</th><th></th></tr>"
        body = []
        for section, value, rows, share in self[["section", "value", "rows", "share"]].itertuples(
                index=False, name=None):
            known = share is not None and not pd.isna(share)
            bar = (f"<div style='background:#4c78a8;height:0.8em;width:{share * 100:.1f}%'></div>"
                   if known else "")
            body.append(
                f"<tr><th style='text-align:left'>{html.escape(str(section))}</th>"
                f"<td style='text-align:left'>{html.escape(str(value))}</td>"
                f"<td style='text-align:right'>{int(rows):,}</td>"
                f"<td style='text-align:right'>{f'{share:.1%}' if known else ''}</td>"
                f"<td style='width:12em'>{bar}</td></tr>")
        return f"<table><caption>clean-up summary</caption>{head}{''.join(body)}</table>"


def _counts(section: str, values: pd.Series, order: list[str] | None, total: int) -> list[dict[str, Any]]:
    text = values.astype("object").where(values.notna(), MISSING)
    counts = text.value_counts()
    names = list(order or []) + [v for v in counts.index if v not in (order or []) and v != MISSING]
    if MISSING in counts.index:
        names.append(MISSING)
    return [{"section": section, "value": str(name), "rows": int(counts.get(name, 0)),
             "share": (counts.get(name, 0) / total) if total else 0.0} for name in names]


def summary(frame: pd.DataFrame, prefix: str = "") -> Summary:
    """The summary of ``frame``, the result of ``clean()`` (see the module docstring).

    Raises ``KeyError`` naming the column when ``frame`` was not cleaned.
    """
    column = prefix + "verdict"
    if column not in frame.columns:
        raise KeyError(f"column {column!r} is not in the frame: summary() reads the result "
                       "of clean()")
    total = len(frame)
    rows = _counts("verdict", frame[column], list(VERDICTS), total)
    for section, name in (("email status", "best_email_status"), ("phone status", "phone_status"),
                          ("country", "phone_region")):
        if prefix + name in frame.columns:
            rows += _counts(section, frame[prefix + name], None, total)
    report = frame.attrs.get("salesrocks")
    if isinstance(report, CleanReport):
        rows += [{"section": "run", "value": "requests sent", "rows": report.requests_sent,
                  "share": None},
                 {"section": "run", "value": "cache hits", "rows": report.cache_hits, "share": None}]
    table = pd.DataFrame(rows, columns=["section", "value", "rows", "share"])
    table["share"] = table["share"].astype("Float64").round(4)
    return Summary(table)
