"""Turn input columns into the distinct requests a verb must make.

Nothing here touches the network or the cache. A plan collapses a frame's rows into
*slots*: one per distinct normalised input, plus one per reason a row sends nothing
(a missing value). :func:`check_locally` later settles the inputs the reference
documents as invalid. Every row points at one
slot, so an answer is computed once and scattered back to every row that carries it.

The work is done on distinct raw values (``pandas.factorize``) before normalising, so
a million rows carrying ten thousand addresses cost ten thousand normalisations.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from sr_frames import checks
from sr_frames.cells import as_text
from sr_frames.defaults import MAX_INPUT_CHARS
from sr_frames.endpoints import Endpoint

__all__ = ["Plan", "Slot", "Unusable", "cell_text", "check_locally", "make_plan"]

Transform = Callable[[str], str]
_MISSING = object()
_UNUSABLE = object()


@dataclass(frozen=True, slots=True)
class Unusable:
    """A cell no request can carry, and why (``"a dict, not text"``): its rows get an
    error, and nothing is sent for them."""

    problem: str


_CONTAINERS = (Mapping, list, tuple, set, frozenset, np.ndarray, pd.Series, pd.DataFrame)


def _factorize(column: pd.Series) -> tuple[np.ndarray, Any]:
    """``pd.factorize`` of a column as it is (an Arrow or categorical column gives its
    codes without a Python object per row); a column holding unhashable cells (dicts,
    lists) has them stood in for by :class:`Unusable` first, one per kind of cell."""
    try:
        return pd.factorize(column, use_na_sentinel=True)
    except (TypeError, NotImplementedError):  # unhashable cells; Arrow list or struct columns
        cells = column.to_numpy(dtype=object, copy=True)
        for i, cell in enumerate(cells):
            try:
                hash(cell)
            except TypeError:
                cells[i] = Unusable(f"{_a(type(cell).__name__)}, not text")
        return pd.factorize(cells, use_na_sentinel=True)


def cell_text(cell: Any, kind: str) -> str | Unusable | None:
    """The request text of one distinct cell: ``None`` when missing, :class:`Unusable`
    when no request can carry it. Text, numbers (phones, zip codes) and dates are text;
    bytes are refused (their encoding is unknown: decode the column first), as are
    containers and other objects, text that cannot be encoded as UTF-8 (a lone
    surrogate) and text longer than any real input of ``kind``
    (:data:`~sr_frames.defaults.MAX_INPUT_CHARS`)."""
    if type(cell) is Unusable:
        return cell
    if type(cell) is not str:
        problem = _not_text(cell)
        if problem is not None:
            return Unusable(problem)
    text = as_text(cell)
    if text is None:
        return None
    limit = MAX_INPUT_CHARS.get(kind, MAX_INPUT_CHARS["text"])
    if len(text) > limit:
        return Unusable(f"{len(text):,} characters, longer than any {kind} (at most {limit:,})")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            return Unusable(f"text that cannot be encoded as UTF-8 (a lone surrogate at "
                            f"position {error.start})")
    return text


def _not_text(cell: Any) -> str | None:
    """Why a cell that is not ``str`` cannot be request text, or ``None`` when it can."""
    if isinstance(cell, bytes | bytearray | memoryview):
        return "bytes, not text (decode the column to text first, e.g. .str.decode('utf-8'))"
    if isinstance(cell, _CONTAINERS):
        return f"{_a(type(cell).__name__)}, not text"
    if isinstance(cell, numbers.Number | str | date | np.datetime64 | np.generic) or cell is None \
            or cell is pd.NaT or cell is pd.NA:
        return None
    return f"{_a(type(cell).__name__)}, not text"


def _a(noun: str) -> str:
    noun = {"ndarray": "array"}.get(noun, noun)
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


@dataclass(slots=True)
class Slot:
    """One distinct outcome: a request to make, or a reason no request is made.

    ``state`` moves from ``pending`` to one of ``cached``, ``answered``, ``not_found``,
    ``failed``, ``unanswered``; ``local`` (answered without a request, as the service
    would) and ``skipped`` (missing or invalid input) are set by the plan itself.
    """

    state: str
    body: dict[str, Any] | None = None
    answer: Any = None
    error: str | None = None
    reason: str | None = None
    rows: int = 0

    def settle(self, state: str, *, answer: Any = None, error: str | None = None,
               reason: str | None = None) -> None:
        """Record this slot's outcome."""
        self.state, self.answer, self.error, self.reason = state, answer, error, reason

    @property
    def item(self) -> Any:
        """For batch endpoints: the one value this slot contributes to a batch."""
        assert self.body is not None
        ((_, values),) = ((k, v) for k, v in self.body.items() if isinstance(v, list))
        return values[0]


@dataclass
class Plan:
    """Slots and, for every row, the position of its slot."""

    endpoint: Endpoint
    slots: list[Slot]
    row_slot: np.ndarray
    rows: int
    distinct: int
    sources: Mapping[str, str] = field(default_factory=dict)

    def pending(self) -> list[Slot]:
        """Slots that still need an answer, in order of first appearance in the frame."""
        return [s for s in self.slots if s.state == "pending"]

    def count(self, *states: str) -> int:
        """How many distinct slots are in one of ``states``."""
        return sum(1 for s in self.slots if s.state in states)

    def rows_in(self, *states: str) -> int:
        """How many rows point at slots in one of ``states``."""
        return sum(s.rows for s in self.slots if s.state in states)

    def __iter__(self) -> Iterator[Slot]:
        return iter(self.slots)


def _combine(codes: list[np.ndarray]) -> np.ndarray:
    """One code per distinct combination of several columns' codes, in order of first
    appearance."""
    combined = codes[0] + 1
    for column in codes[1:]:
        width = int(column.max(initial=-1)) + 2
        combined, _ = pd.factorize(combined.astype(np.int64) * width + (column + 1))
    combined, _ = pd.factorize(combined)
    return combined


def _first_rows(combined: np.ndarray, groups: int) -> np.ndarray:
    """For each code, the first row carrying it."""
    first = np.empty(groups, dtype=np.int64)
    first[combined[::-1]] = np.arange(len(combined) - 1, -1, -1)
    return first


def _local_outcome(endpoint: Endpoint, name: str, kind: str, value: str) -> Slot | None:
    """The slot for input the reference documents as invalid, or ``None`` when it is fine."""
    if kind == "email":
        problem = checks.email_syntax_error(value)
        if problem is None:
            return None
        if endpoint.answers_invalid_locally:
            return Slot("local", answer=checks.invalid_email_answer(value, problem))
        return Slot("skipped", error=f"invalid email: {problem}", reason="invalid")
    if kind == "domain":
        problem = checks.domain_error(value)
        return None if problem is None else Slot("skipped", error=problem, reason="invalid")
    if kind == "phone":
        problem = checks.phone_format_error(value)
        if problem is None:
            return None
        answer = {"input": value, "status": "INVALID FORMAT", "message": problem}
        return Slot("local", answer=answer)
    return None


def make_plan(
    endpoint: Endpoint,
    inputs: Mapping[str, pd.Series],
    *,
    sources: Mapping[str, str] | None = None,
    transforms: Mapping[str, Transform] | None = None,
    constants: Mapping[str, Any] | None = None,
) -> Plan:
    """Plan ``endpoint`` over ``inputs`` (request field name -> column of values).

    ``sources`` names the column each field came from, for messages ("missing value in
    'email'"); ``transforms`` rewrite a field after normalising (national phone numbers to
    international); ``constants`` are fields sent unchanged with every request.
    """
    sources = dict(sources or {name: name for name in inputs})
    transforms = transforms or {}
    names = list(inputs)
    rows = len(next(iter(inputs.values())))
    per_field_codes, per_field_values = [], []
    for name in names:
        codes, uniques = _factorize(inputs[name])
        kind = endpoint.field(name).kind
        normalised: list[Any] | None = None if name in transforms else _plain_texts(uniques, kind)
        if normalised is None:
            normalised = []
            for raw in uniques:
                text = cell_text(raw, kind)
                if type(text) is str:
                    text = checks.normalise(kind, text)
                    if name in transforms:
                        text = transforms[name](text)
                normalised.append(text or None)
        per_field_codes.append(codes)
        per_field_values.append(normalised)
    _return_arrow_memory()

    if len(names) == 1:  # the usual case
        return _single_field_plan(endpoint, names[0], per_field_codes[0], per_field_values[0], rows,
                                  sources, constants)
    combined = _combine(per_field_codes)
    groups = int(combined.max(initial=-1)) + 1
    first = _first_rows(combined, groups)
    # each field's code at each group's first row, as plain ints (one numpy call a field)
    group_codes = zip(*(codes[first].tolist() for codes in per_field_codes), strict=True)
    keys: Any = (tuple(normalised[code] if code >= 0 else None
                       for code, normalised in zip(field_codes, per_field_values, strict=True))
                 for field_codes in group_codes)
    del per_field_codes
    combined = np.asarray(combined, dtype=np.int64)  # (already so: factorize gives intp)
    slot_of_group = np.empty(groups, dtype=np.int64)
    slots: list[Slot] = []
    by_key: dict[Any, int] = {}
    distinct = 0
    for group, key in enumerate(keys):
        refused = next(((n, v) for n, v in zip(names, key, strict=True) if type(v) is Unusable),
                       None)
        if refused is not None:
            key = (_UNUSABLE, sources[refused[0]], refused[1].problem)
        elif None in key:
            missing = tuple(sources[n] for n, v in zip(names, key, strict=True) if v is None)
            key = (_MISSING, missing)
        if key not in by_key:
            by_key[key] = len(slots)
            if key[0] is _MISSING:
                error = "missing value in " + ", ".join(repr(c) for c in key[1])
                slots.append(Slot("skipped", error=error, reason="missing"))
            elif key[0] is _UNUSABLE:
                error = f"invalid value in {key[1]!r}: {key[2]}"
                slots.append(Slot("skipped", error=error, reason="invalid"))
            else:
                slots.append(_slot_for(endpoint, dict(zip(names, key, strict=True)), constants))
                distinct += 1
        slot_of_group[group] = by_key[key]

    # each row's group becomes its slot in place: a million rows need no second array
    row_slot = np.take(slot_of_group, combined, out=combined, mode="clip") if rows \
        else np.empty(0, dtype=np.int64)
    counts = np.bincount(row_slot, minlength=len(slots))
    for slot, n in zip(slots, counts, strict=True):
        slot.rows = int(n)
    return Plan(endpoint, slots, row_slot, rows, distinct, sources)


def _plain_texts(uniques: Any, kind: str) -> list[str | None] | None:
    """What :func:`cell_text` and :func:`checks.normalise` make of ``uniques`` when every
    one is plain text (ASCII, within the length limit) of a kind whose normal form is
    trimmed (and, for emails and domains, lower-cased): the same texts, by whole-list
    string methods instead of two calls a value. ``None`` when that does not hold: the
    caller then takes each value on its own."""
    if kind not in ("email", "domain", "name", "phone", "text", "id"):
        return None
    values = uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)
    if not all(type(v) is str for v in values):
        return None
    stripped = [v.strip() for v in values]
    if not all(v.isascii() for v in stripped):
        return None
    limit = MAX_INPUT_CHARS.get(kind, MAX_INPUT_CHARS["text"])
    if max(map(len, stripped), default=0) > limit:
        return None
    if kind in ("email", "domain"):
        stripped = [v.lower() for v in stripped]
    return [v or None for v in stripped]


def _return_arrow_memory() -> None:
    """Give back to the OS what Arrow's memory pool still holds once text columns are
    factorized. The pool (mimalloc) keeps freed buffers until a later allocation, so a
    million-row column's factorizing left about 20 MB resident through the whole run
    and its result columns (the peak). It costs about 40 µs; pyarrow is never imported
    for it."""
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()


def _single_field_plan(endpoint: Endpoint, name: str, codes: np.ndarray, values: list[Any],
                       rows: int, sources: Mapping[str, str], constants: Mapping[str, Any] | None) -> Plan:
    """The plan of one input field: its distinct normal forms (``values``, one per code of
    the column) found with ``pandas.factorize``, one slot each in order of first
    appearance (an :class:`Unusable` cell's slot says why nothing is sent), then one slot
    for the missing ones; every row's slot taken in one step."""
    slot_codes, outcomes = pd.factorize(np.array(values, dtype=object), use_na_sentinel=True)
    batch = name == endpoint.batch_field
    extra = dict(constants or {})
    refused = f"invalid value in {sources[name]!r}: "
    slots = [Slot("skipped", error=refused + value.problem, reason="invalid") if type(value) is Unusable
             else Slot("pending", body={name: [value] if batch else value, **extra})
             for value in outcomes.tolist()]
    distinct = sum(1 for slot in slots if slot.state == "pending")
    # a row whose value is missing (code -1), or whose text normalises to nothing
    missing_code = len(slots)
    slot_of_group = np.append(np.where(slot_codes < 0, missing_code, slot_codes), missing_code)
    row_slot = np.take(slot_of_group, codes, out=np.asarray(codes, dtype=np.int64), mode="wrap") if rows \
        else np.empty(0, dtype=np.int64)
    counts = np.bincount(row_slot, minlength=len(slots) + 1)
    if counts[missing_code]:
        slots.append(Slot("skipped", error=f"missing value in {sources[name]!r}", reason="missing"))
    for slot, n in zip(slots, counts.tolist(), strict=False):
        slot.rows = n
    return Plan(endpoint, slots, row_slot, rows, distinct, sources)


def _slot_for(
    endpoint: Endpoint, values: Mapping[str, str], constants: Mapping[str, Any] | None
) -> Slot:
    body: dict[str, Any] = {}
    for name, value in values.items():
        body[name] = [value] if name == endpoint.batch_field else value
    body.update(constants or {})
    return Slot("pending", body=body)


def check_locally(plan: Plan) -> None:
    """Settle the pending inputs that the reference documents as invalid.

    Run after the cache look-up: a cached answer needs no check, and checking an
    address costs more than reading its answer from the cache.
    """
    endpoint = plan.endpoint
    for slot in plan.pending():
        for name, value in (slot.body or {}).items():
            if name == endpoint.batch_field:
                value = value[0]
            if not isinstance(value, str):
                continue
            local = _local_outcome(endpoint, name, endpoint.field(name).kind, value)
            if local is not None:
                slot.settle(local.state, answer=local.answer, error=local.error, reason=local.reason)
                break
