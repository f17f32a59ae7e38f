"""The clean-up waterfall: verify, find where nothing is deliverable, verify what was
found, verify the phones; then best email, duplicates and verdicts.

Each step pays only where the step before came up empty, and the budget
(``max_requests``) is one for all steps: what one step sends, the next cannot.
:class:`Waterfall` builds each step's plan; :func:`clean` runs them and
:mod:`~sr_frames.cleanup.estimate` previews them with the same code.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from sr_frames import checks
from sr_frames.cells import as_text
from sr_frames.cleanup import regions, verdicts
from sr_frames.cleanup.report import CleanReport, merge
from sr_frames.cleanup.steps import StepRun, plan_rows, run_plan
from sr_frames.client.clients import Client
from sr_frames.endpoints import endpoint
from sr_frames.enrich import engine
from sr_frames.enrich.collector import bulk
from sr_frames.enrich.columns import attach, check_clashes, column_error, label_array, text_array
from sr_frames.enrich.plan import Slot
from sr_frames.enrich.report import announce, remember

__all__ = ["STEPS", "CleanColumns", "Waterfall", "clean", "output_columns"]

STEPS = ("verify", "find", "verify_found", "phones")
"""The steps, in the order they run: ``verify`` (every distinct email), ``find`` (an
email per person, for rows without a deliverable one), ``verify_found`` (found
emails not verified yet), ``phones`` (a region per row)."""

ANSWERED = ("cached", "answered", "local")
OWN_COLUMNS = ("found_email_status", "phone_region", "best_email", "best_email_source",
               "best_email_status", "duplicate_of", "verdict", "verdict_reason")


@dataclass(frozen=True)
class CleanColumns:
    """The input columns (``None``: not used)."""

    email: str = "email"
    first: str = "first_name"
    last: str = "last_name"
    domain: str | None = "domain"
    company: str | None = "company"
    phone: str | None = "phone"
    country: str | None = "country"

    def checked(self, frame: pd.DataFrame, steps: Sequence[str]) -> CleanColumns:
        """These columns, ``company`` and ``country`` dropped when left at their default
        and absent; a ``KeyError`` naming the option for any other column the chosen
        steps need and the frame lacks."""
        columns = self
        for argument in ("company", "country"):
            if getattr(self, argument) == argument and argument not in frame.columns:
                columns = replace(columns, **{argument: None})  # type: ignore[arg-type]
        needed = {"email": columns.email, "country": columns.country}
        if "find" in steps:
            needed.update(first=columns.first, last=columns.last, domain=columns.domain,
                          company=columns.company)
        if "phones" in steps:
            needed["phone"] = columns.phone
        for argument, name in needed.items():
            if name is not None and name not in frame.columns:
                raise column_error(frame, name, argument)
        return columns


def check_steps(steps: Sequence[str] | str | None) -> tuple[str, ...]:
    if steps is None:
        return STEPS
    chosen = [steps] if isinstance(steps, str) else list(steps)
    unknown = [s for s in chosen if s not in STEPS]
    if unknown:
        raise ValueError(f"unknown step(s) {', '.join(map(repr, unknown))}; steps: {', '.join(STEPS)}")
    return tuple(s for s in STEPS if s in chosen)


def output_columns(steps: Sequence[str], prefix: str = "") -> list[str]:
    """Every column a clean-up with ``steps`` adds, in order."""
    names: list[str] = []
    if "verify" in steps:
        names += endpoint("verify_email").result_columns(prefix)
    if "find" in steps:
        names += endpoint("find_email").result_columns(prefix)
    if "verify_found" in steps:
        names.append(prefix + "found_email_status")
    if "phones" in steps:
        names += [*endpoint("verify_phones").result_columns(prefix), prefix + "phone_region"]
    names += [prefix + c for c in OWN_COLUMNS[2:]]
    return names


def _answer(slot: Slot | None) -> dict[str, Any] | None:
    if slot is None or slot.state not in ANSWERED or not isinstance(slot.answer, dict):
        return None
    return slot.answer


def _problem(slot: Slot | None) -> str | None:
    if slot is None or slot.state in ANSWERED:
        return None
    return slot.reason if slot.state in ("failed", "unanswered") else None


def _email_text(value: Any) -> str | None:
    text = as_text(value)
    return checks.normalise("email", text) if text else None


class Waterfall:
    """The plans of one clean-up over ``frame``, step by step."""

    def __init__(self, frame: pd.DataFrame, columns: CleanColumns, region: str | None) -> None:
        self.frame, self.columns, self.region = frame, columns, region
        self.rows = len(frame)
        self.all = np.arange(self.rows)
        self.emails = [_email_text(v) for v in frame[columns.email].array]

    def column(self, name: str | None) -> pd.Series | None:
        return None if name is None else self.frame[name]

    # --- plans ----------------------------------------------------------------------
    def verify_plan(self) -> StepRun:
        plan = plan_rows("verify_email", {"email": self.frame[self.columns.email]}, self.all,
                         {"email": self.columns.email})
        return StepRun("verify", plan, self.all)

    def needs_finding(self, verify: StepRun | None, *, worst_case: bool = False) -> np.ndarray:
        """Rows without a deliverable email: missing, invalid syntax, or ``Invalid``.
        With ``worst_case``, rows whose verification is still to come count too."""
        if verify is None:
            return np.array([e is None or checks.email_syntax_error(e) is not None
                             for e in self.emails], dtype=bool)
        slots = verify.answer_per_row(self.rows)
        out = np.zeros(self.rows, dtype=bool)
        for i, (email, slot) in enumerate(zip(self.emails, slots, strict=True)):
            answer = _answer(slot)
            invalid = answer is not None and answer.get("status") == "Invalid"
            pending = worst_case and slot is not None and slot.state == "pending"
            out[i] = email is None or invalid or pending
        return out

    def find_plans(self, wanted: np.ndarray) -> list[StepRun]:
        """By domain where the row has a valid one, else by company name (when given)."""
        c = self.columns
        domains = (pd.Series([verdicts.bare_domain(v) for v in self.frame[c.domain].array],
                             index=self.frame.index, dtype=object) if c.domain else None)
        by_domain = wanted.copy()
        runs = []
        if c.company is not None:
            usable = np.array([d is not None and checks.domain_error(d) is None
                               for d in (domains if domains is not None else [None] * self.rows)])
            company = self.frame[c.company].map(lambda v: as_text(v) is not None).to_numpy(bool)
            by_company = wanted & ~usable & company
            by_domain = wanted & ~by_company
            if by_company.any():
                inputs = {"first_name": self.frame[c.first], "last_name": self.frame[c.last],
                          "company_name": self.frame[c.company]}
                plan = plan_rows("find_email_by_company", inputs, np.flatnonzero(by_company),
                                 {"first_name": c.first, "last_name": c.last,
                                  "company_name": c.company})
                runs.append(StepRun("find", plan, np.flatnonzero(by_company)))
        if domains is not None and by_domain.any():
            inputs = {"first_name": self.frame[c.first], "last_name": self.frame[c.last],
                      "company_domain": domains}
            plan = plan_rows("find_email", inputs, np.flatnonzero(by_domain),
                             {"first_name": c.first, "last_name": c.last,
                              "company_domain": c.domain or "domain"})
            runs.insert(0, StepRun("find", plan, np.flatnonzero(by_domain)))
        return runs

    def found_per_row(self, finds: list[StepRun]) -> list[Slot | None]:
        per_row: list[Slot | None] = [None] * self.rows
        for run in finds:
            for i, slot in enumerate(run.answer_per_row(self.rows)):
                if slot is not None:
                    per_row[i] = slot
        return per_row

    @staticmethod
    def found_email(slot: Slot | None) -> str | None:
        answer = _answer(slot)
        return _email_text(answer.get("email")) if answer else None

    def verify_found_plan(self, found: list[Slot | None], verified: dict[str, Slot]) -> StepRun | None:
        """Found emails the first step did not verify (each distinct one once)."""
        emails = [self.found_email(s) for s in found]
        wanted = np.array([e is not None and e not in verified for e in emails], dtype=bool)
        if not wanted.any():
            return None
        series = pd.Series(emails, index=self.frame.index, dtype=object)
        plan = plan_rows("verify_email", {"email": series}, np.flatnonzero(wanted),
                         {"email": "found_email"})
        return StepRun("verify_found", plan, np.flatnonzero(wanted))

    def phone_regions(self) -> np.ndarray:
        c = self.columns
        return regions.row_regions(self.rows, country=self.column(c.country),
                                   email=self.frame[c.email], domain=self.column(c.domain),
                                   default=self.region)

    def phone_plan(self) -> StepRun:
        c = self.columns
        assert c.phone is not None
        regions_ = self.phone_regions()
        phones = regions.rewrite_phones(self.frame[c.phone], regions_)
        plan = plan_rows("verify_phones", {"phones": phones}, self.all, {"phones": c.phone})
        return StepRun("phones", plan, self.all, extra={"regions": regions_})

    def people(self) -> list[Any]:
        c = self.columns
        domains = self.frame[c.domain].array if c.domain else [None] * self.rows
        firsts = self.frame[c.first].array if c.first in self.frame else [None] * self.rows
        lasts = self.frame[c.last].array if c.last in self.frame else [None] * self.rows
        return [verdicts.person_key(f, la, d) for f, la, d in zip(firsts, lasts, domains, strict=True)]


class _Budget:
    def __init__(self, limit: int | None) -> None:
        self.left = limit

    def options(self, base: engine.RunOptions) -> engine.RunOptions:
        return replace(base, max_requests=self.left, announce=False)

    def spend(self, sent: int) -> None:
        if self.left is not None:
            self.left = max(0, self.left - sent)


def _run(step: StepRun, verb: str, budget: _Budget, base: engine.RunOptions, client: Client) -> None:
    step.report = run_plan(step.plan, verb, budget.options(base), client)
    budget.spend(step.report.requests_sent)


def clean(frame: pd.DataFrame, columns: CleanColumns, *, region: str | None = None,
          steps: Sequence[str] | str | None = None, thresholds: verdicts.Thresholds | None = None,
          prefix: str = "", overwrite: bool = False, client: Client | None = None,
          options: engine.RunOptions | None = None) -> pd.DataFrame:
    """Run the waterfall over ``frame``; a new frame with the clean-up columns
    (see :meth:`sr_frames.accessor.SalesRocksFrameAccessor.clean`)."""
    chosen = check_steps(steps)
    columns = columns.checked(frame, chosen)
    limits = thresholds or verdicts.Thresholds()
    check_clashes(frame, output_columns(chosen, prefix), overwrite=overwrite)
    base = options or engine.RunOptions()
    started = time.perf_counter()
    flow = Waterfall(frame, columns, region)
    budget = _Budget(base.max_requests)
    owned = client is None
    client = client or Client()
    done: dict[str, StepRun | list[StepRun]] = {}
    interrupted = True
    try:
        verify: StepRun | None = None
        if "verify" in chosen:
            verify = done["verify"] = flow.verify_plan()
            _run(verify, "verify", budget, base, client)
        finds: list[StepRun] = []
        if "find" in chosen:
            finds = flow.find_plans(flow.needs_finding(verify))
            for step in finds:
                by_company = step.plan.endpoint.method == "find_email_by_company"
                _run(step, "find (company)" if by_company else "find", budget, base, client)
            done["find"] = finds
        found = flow.found_per_row(finds)
        verified: dict[str, Slot] = {}
        if verify is not None:
            for email, slot in zip(flow.emails, verify.answer_per_row(flow.rows), strict=True):
                if email is not None and _answer(slot) is not None:
                    verified.setdefault(email, slot)
        if "verify_found" in chosen:
            checking = flow.verify_found_plan(found, verified)
            if checking is not None:
                _run(checking, "verify_found", budget, base, client)
                done["verify_found"] = checking
        if "phones" in chosen and columns.phone is not None:
            phones = done["phones"] = flow.phone_plan()
            _run(phones, "phones", budget, base, client)
        interrupted = False
    finally:
        if owned:
            client.close()
        if interrupted:
            report = _report(flow, done, {}, started, interrupted=True)
            announce(remember(report), True)  # type: ignore[arg-type]
    with bulk():
        added = _columns(flow, done, found, verified, chosen, prefix, limits)
        result = attach(frame, added, overwrite=overwrite)
    counts = result[prefix + "verdict"].value_counts()
    report = _report(flow, done, {v: int(counts.get(v, 0)) for v in verdicts.VERDICTS}, started)
    result.attrs["salesrocks"] = report
    remember(report)  # type: ignore[arg-type]
    announce(report, base.progress)  # type: ignore[arg-type]
    return result


def _report(flow: Waterfall, done: dict[str, Any], counts: dict[str, int], started: float,
            interrupted: bool = False) -> CleanReport:
    parts = {}
    for name in STEPS:
        runs = done.get(name)
        runs = runs if isinstance(runs, list) else [runs] if runs is not None else []
        reports = [r.report for r in runs if r.report is not None]
        if reports:
            parts[name] = merge(name, reports)
    return CleanReport(flow.rows, parts, counts, round(time.perf_counter() - started, 3), interrupted)


def _columns(flow: Waterfall, done: dict[str, Any], found: list[Slot | None],
             verified: dict[str, Slot], chosen: Sequence[str], prefix: str,
             limits: verdicts.Thresholds) -> dict[str, Any]:
    rows = flow.rows
    added: dict[str, Any] = {}
    verify: StepRun | None = done.get("verify")
    given_slots = verify.answer_per_row(rows) if verify else [None] * rows
    if verify:
        added.update(verify.columns(rows, prefix))
    if "find" in chosen:
        added.update(_find_columns(done.get("find") or [], rows, prefix))
    found_check: StepRun | None = done.get("verify_found")
    checked = found_check.answer_per_row(rows) if found_check else [None] * rows
    given, candidates = [], []
    for i in range(rows):
        email, slot = flow.emails[i], given_slots[i]
        problem = _problem(slot) if verify else "verify step left out"
        given.append(verdicts.Candidate(email, "input", _answer(slot), problem))
        f_email = flow.found_email(found[i])
        f_slot = checked[i] or (verified.get(f_email) if f_email else None)
        f_problem = _problem(f_slot) if "verify_found" in chosen else "verify_found step left out"
        confidence = (_answer(found[i]) or {}).get("confidence")
        candidates.append(verdicts.Candidate(f_email, "found", _answer(f_slot),
                                             f_problem or ("not verified" if f_slot is None else None),
                                             int(confidence) if isinstance(confidence, int | str)
                                             and str(confidence).isdigit() else None))
    if "verify_found" in chosen:
        added[prefix + "found_email_status"] = label_array(
            [c.status for c in candidates], sorted({c.status for c in candidates if c.status}))
    phones: StepRun | None = done.get("phones")
    phone_status: list[str | None] = [None] * rows
    phone_problem: list[str | None] = [None] * rows
    if phones:
        added.update(phones.columns(rows, prefix))
        added[prefix + "phone_region"] = text_array(phones.extra["regions"])
        for i, slot in enumerate(phones.answer_per_row(rows)):
            phone_status[i] = (_answer(slot) or {}).get("status")
            phone_problem[i] = _problem(slot)
    own = verdicts.decide(given, candidates, flow.people(), phone_status, phone_problem,
                          flow.frame.index, limits)
    added.update({prefix + name: values for name, values in own.items()})
    return added


def _find_columns(finds: list[StepRun], rows: int, prefix: str) -> dict[str, Any]:
    names = endpoint("find_email").result_columns(prefix)
    if not finds:
        return {n: pd.array([None] * rows, dtype="Int64") if n.endswith("_confidence")
                else text_array([None] * rows) for n in names}
    merged = {n: pd.Series(v) for n, v in finds[0].columns(rows, prefix).items()}
    for run in finds[1:]:
        for n, values in run.columns(rows, prefix).items():
            extra = pd.Series(values)
            merged[n] = merged[n].where(merged[n].notna(), extra)
    return {n: s.array for n, s in merged.items()}
