"""``df.salesrocks`` and ``series.salesrocks``: every read endpoint as a verb.

The accessors hold nothing but the frame (pandas builds a new accessor on every
attribute access): settings live in :mod:`sr_frames.config`, connections in the
client, answers in the cache. Each verb returns a new frame with the caller's index,
row order and columns, plus result columns; the caller's frame is never modified.
Every verb has an ``*_async`` twin for code that already runs in an event loop, and
``estimate("verb", ...)`` says what a verb would send without sending anything.

pandas reaches these classes through the stand-ins of :mod:`sr_frames.registration`,
so this module (and pandas with it) loads on the first ``df.salesrocks``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import numpy as np
import pandas as pd

from sr_frames import checks
from sr_frames.cells import is_missing
from sr_frames.config import budget
from sr_frames.endpoints import Endpoint, endpoint
from sr_frames.enrich.collector import bulk
from sr_frames.enrich.columns import attach, check_clashes, input_columns, result_columns
from sr_frames.enrich.plan import Plan, check_locally, make_plan
from sr_frames.enrich.report import RunReport

if TYPE_CHECKING:  # the engine and the client (asyncio, SQLite) load on the first verb call
    from sr_frames.client.clients import AsyncClient, Client
    from sr_frames.enrich import engine

__all__ = ["SERIES_VERBS", "SalesRocksFrameAccessor", "SalesRocksSeriesAccessor", "VerbOptions"]

REPORT_ATTR = "salesrocks"

Column = str
"""A column name of the frame. Verb parameters annotated ``Column`` name input columns;
the command line and ``series.salesrocks`` are built from them."""


class VerbOptions(TypedDict, total=False):
    """Options every verb takes.

    ``prefix``: put before every result column name. ``cache``: read and write the
    response cache (``False``: neither). ``refresh``: ignore cached answers but store
    new ones. ``progress``: show the bar and the report line. ``client``: a
    :class:`Client` (or :class:`AsyncClient` for ``*_async`` verbs) to use instead of
    one built from the settings. ``overwrite``: replace result columns that already
    exist. ``max_requests``: never send more requests than this; the rest is left
    for a later run, in frame order. ``cache_only``: answer from the cache alone.
    """

    prefix: str
    cache: bool
    refresh: bool
    progress: bool
    client: Client | AsyncClient | None
    overwrite: bool
    max_requests: int | None
    cache_only: bool


@dataclass
class _Job:
    """A planned verb: what to run, and how to put the answers back on the frame."""

    verb: str
    frame: pd.DataFrame
    plan: Plan
    options: VerbOptions
    transforms: dict[str, Callable[[str], str]] = field(default_factory=dict)
    positions: np.ndarray | None = None
    """The row positions planned (``None``: every row); the others get missing results."""

    def run_options(self) -> engine.RunOptions:
        from sr_frames.enrich import engine

        o = self.options
        return engine.RunOptions(
            cache=o.get("cache", True), refresh=o.get("refresh", False),
            progress=o.get("progress", True), max_requests=o.get("max_requests"),
            cache_only=o.get("cache_only", False),
        )

    def finish(self, report: RunReport) -> pd.DataFrame:
        with bulk():
            columns = result_columns(self.plan, self.options.get("prefix", ""))
            if self.positions is not None:
                from sr_frames.cleanup.steps import expand

                columns = {n: expand(v, self.positions, len(self.frame)) for n, v in columns.items()}
            result = attach(self.frame, columns, overwrite=self.options.get("overwrite", False))
        result.attrs[REPORT_ATTR] = report
        return result


def _check_options(options: dict[str, Any]) -> None:
    unknown = sorted(set(options) - set(VerbOptions.__annotations__))
    if unknown:
        known = ", ".join(sorted(VerbOptions.__annotations__))
        raise TypeError(f"unknown option(s) {', '.join(unknown)}; verbs take: {known}")
    budget(options.get("max_requests"))


class _Verbs:
    """The verbs, shared by the frame accessor and its async and estimating views."""

    _mode = "sync"

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def planned(self) -> _Verbs:
        """These verbs answering their planned, unrun job (for other runners, e.g. Dask)."""
        return self._view("plan")

    def _view(self, mode: str) -> _Verbs:
        view = type(self)(self._frame)
        view._mode = mode
        return view

    def _job(self, method: str, wanted: dict[str, tuple[str, str]], options: dict[str, Any],
             verb: str, **plan_args: Any) -> Any:
        _check_options(options)
        ep: Endpoint = endpoint(method)
        inputs = input_columns(self._frame, wanted)
        prefix = options.get("prefix", "")
        check_clashes(self._frame, ep.result_columns(prefix), overwrite=options.get("overwrite", False),
                      reads=[column for _, column in wanted.values()])
        local = plan_args.pop("local", None)
        inputs.update(plan_args.pop("inputs", None) or {})
        positions = plan_args.pop("positions", None)
        if positions is not None:
            inputs = {f: s.iloc[positions].reset_index(drop=True) for f, s in inputs.items()}
        with bulk():
            plan = make_plan(ep, inputs, sources={f: col for f, (_, col) in wanted.items()},
                             **plan_args)
        if local is not None:
            local(plan)
        job = _Job(verb, self._frame, plan, options,  # type: ignore[arg-type]
                   dict(plan_args.get("transforms") or {}), positions)
        return self._dispatch(job)

    def _dispatch(self, job: _Job) -> Any:
        from sr_frames.client.clients import Client
        from sr_frames.enrich import engine
        from sr_frames.enrich.estimate import estimate_plan

        client = job.options.get("client")
        if self._mode == "plan":  # checked and planned, not run (the Dask verbs run it)
            return job
        if self._mode == "estimate":
            return estimate_plan(job.plan, job.verb, job.run_options(), client)
        if self._mode == "async":
            return self._run_async(job, client)
        if client is not None and not isinstance(client, Client):
            raise TypeError("client= takes a sr_frames.Client here; "
                            f"an AsyncClient goes to {job.verb}_async()")
        return job.finish(engine.run(job.plan, job.verb, job.run_options(), client))

    @staticmethod
    async def _run_async(job: _Job, client: Any) -> pd.DataFrame:
        from sr_frames.client.clients import AsyncClient
        from sr_frames.enrich import engine

        if client is not None and not isinstance(client, AsyncClient):
            raise TypeError(f"{job.verb}_async() takes an AsyncClient as client=")
        report = await engine.run_async(job.plan, job.verb, job.run_options(), client)
        return job.finish(report)

    # ---- the verbs -------------------------------------------------------------

    def verify_emails(self, column: Column = "email", **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """Verify the address in ``column``: adds ``email_status`` ("Valid", "Invalid",
        "Accept All"), ``email_confidence_score`` and the other ``email_*`` columns.

        Addresses are trimmed and lower-cased and each distinct one is sent once; an
        address without ``@`` or with a broken domain is answered locally as the service
        would ("Invalid", format "Incorrect") and costs nothing.
        """
        return self._job("verify_email", {"email": ("column", column)}, dict(options),
                         "verify_emails")

    def verify_phones(self, column: Column = "phone", region: str | None = None,
                      region_column: Column | None = None,
                      **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """Verify the phone number in ``column``, many per request: adds ``phone_status``
        ("VALID", "INVALID", "INVALID FORMAT"), ``phone_international`` and the other
        ``phone_*`` columns.

        The service reads numbers in international form (``+44 ...``, ``0044 ...`` or
        digits starting with the country code). Give ``region`` (``"GB"``, ``"US"``) to
        have numbers written in that country's national form rewritten first, or
        ``region_column`` (a column of ISO codes or country names, such as
        ``"country"``) for a region per row, ``region`` then serving rows without one.
        """
        if region_column is not None:
            from sr_frames.cleanup import regions

            input_columns(self._frame, {"region": ("region_column", region_column)})
            per_row = regions.row_regions(len(self._frame), country=self._frame[region_column],
                                          default=region)
            phones = input_columns(self._frame, {"phones": ("column", column)})["phones"]
            return self._job("verify_phones", {"phones": ("column", column)}, dict(options),
                             "verify_phones",
                             inputs={"phones": regions.rewrite_phones(phones, per_row)})
        transforms = {"phones": functools.partial(_international, region=region)} if region else {}
        return self._job("verify_phones", {"phones": ("column", column)}, dict(options),
                         "verify_phones", transforms=transforms)

    def find_email(self, first: Column = "first_name", last: Column = "last_name",
                   domain: Column | None = "domain", company: Column | None = None,
                   only_missing: Column | None = None,
                   **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """Find a person's address from first and last name plus the company ``domain``
        (or, with ``company=``, the company name): adds ``found_email``,
        ``found_email_confidence`` and ``found_email_error``.

        ``only_missing="email"`` asks only for the rows whose ``email`` cell is missing
        (empty or blank); the other rows send nothing and their result cells are missing.
        """
        names = {"first_name": ("first", first), "last_name": ("last", last)}
        rows: dict[str, Any] = {}
        if only_missing is not None:
            (cells,) = input_columns(self._frame, {"m": ("only_missing", only_missing)}).values()
            rows["positions"] = np.flatnonzero([is_missing(v) for v in cells.array])
        if company is not None:
            names["company_name"] = ("company", company)
            return self._job("find_email_by_company", names, dict(options), "find_email", **rows)
        if domain is None:
            raise TypeError("find_email() needs domain= or company=")
        names["company_domain"] = ("domain", domain)
        return self._job("find_email", names, dict(options), "find_email", **rows)

    def generate_emails(self, first: Column = "first_name", last: Column = "last_name",
                        domain: Column = "domain", use_service: bool = False,
                        **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """Candidate addresses from names and domain: adds ``generated_emails`` (a list).

        The permutation rule is known (first, first.last, firstlast, flast, f.last, last),
        so by default no request is sent; ``use_service=True`` asks the service instead.
        """
        wanted = {"first_name": ("first", first), "last_name": ("last", last),
                  "domain": ("domain", domain)}
        local = None if use_service else _generate_locally
        return self._job("generate_emails", wanted, dict(options), "generate_emails", local=local)

    def email_patterns(self, domain: Column = "domain", **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """Email patterns used at the domain in ``domain``, asked once per domain:
        adds ``email_patterns`` (a list such as ``["{first}.{last}"]``)."""
        return self._job("email_patterns", {"domain": ("domain", domain)}, dict(options),
                         "email_patterns")

    def linkedin_contacts(self, domain: Column = "domain",
                          **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """LinkedIn handles of people at the domain in ``domain``, asked once per domain:
        adds ``linkedin_contact_handles`` (a list)."""
        return self._job("linkedin_contacts", {"domain": ("domain", domain)}, dict(options),
                         "linkedin_contacts")

    def company_email(self, linkedin: Column = "company_linkedin",
                      **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """The company address for a company LinkedIn handle or URL: adds ``company_email``."""
        return self._job("company_email", {"linkedin_handle": ("linkedin", linkedin)},
                         dict(options), "company_email")

    def contact_emails(self, linkedin: Column = "company_linkedin",
                       **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """Contact addresses for a company LinkedIn handle or URL: adds ``contact_emails``."""
        return self._job("contact_emails", {"linkedin_handle": ("linkedin", linkedin)},
                         dict(options), "contact_emails")

    def contact_email(self, linkedin: Column = "linkedin",
                      **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """A person's address for their LinkedIn handle or URL: adds ``contact_email``."""
        return self._job("contact_email", {"linkedin_handle": ("linkedin", linkedin)},
                         dict(options), "contact_email")

    def list_memberships(self, column: Column = "email",
                         **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """Which of your lists hold the address in ``column``: adds ``list_memberships``
        (a list of ``{"id", "list_name", "date_of_creation", "campaigns"}``). Cached per
        account, for an hour."""
        return self._job("list_memberships", {"email": ("column", column)}, dict(options),
                         "list_memberships")


def _international(value: str, region: str) -> str:
    return checks.to_international(value, region)


def _generate_locally(plan: Plan) -> None:
    """Apply the known permutation rule; a broken domain is skipped with its reason,
    exactly as when the service is asked."""
    check_locally(plan)
    for slot in plan.pending():
        body = slot.body or {}
        emails = checks.permute_emails(body["first_name"], body["last_name"], body["domain"])
        slot.settle("local", answer={"emails": emails})


VERBS: tuple[str, ...] = (
    "verify_emails", "verify_phones", "find_email", "generate_emails", "email_patterns",
    "linkedin_contacts", "company_email", "contact_emails", "contact_email", "list_memberships",
)


def _async_twin(name: str) -> Callable[..., Coroutine[Any, Any, pd.DataFrame]]:
    verb = getattr(_Verbs, name)

    def twin(self: _Verbs, *args: Any, **kwargs: Any) -> Any:
        return getattr(self._view("async"), name)(*args, **kwargs)

    twin.__name__ = twin.__qualname__ = f"{name}_async"
    twin.__doc__ = f"Awaitable twin of :meth:`{name}`; ``client=`` takes an AsyncClient.\n\n" + (
        verb.__doc__ or "")
    twin.__signature__ = inspect.signature(verb)  # type: ignore[attr-defined]
    return twin


for _name in VERBS:
    setattr(_Verbs, f"{_name}_async", _async_twin(_name))


class SalesRocksFrameAccessor(_Verbs):
    """``df.salesrocks.<verb>(...)``: enrich a DataFrame through the Sales.Rocks API."""

    def push_to_list(self, list_id: str, columns: str | Sequence[str] | None = None, *,
                     force: bool = False, client: Client | None = None, progress: bool = True,
                     chunk_size: int | None = None, max_requests: int | None = None) -> pd.DataFrame:
        """Add each row to the editable list ``list_id``, once: adds ``sr_contact_id`` and
        ``sr_push_error``. Sends ``columns`` (default: the frame's own columns, not result
        columns); pushing again sends nothing for rows already confirmed (``force=True``
        sends again); rows whose answer was lost are matched by reading the list back
        before anything is resent; ``max_requests`` caps the Add to List requests, leaving
        the rest for the next push. See :func:`sr_frames.lists.push.push_to_list`."""
        from sr_frames.lists.push import push_to_list

        return push_to_list(self._frame, list_id, columns, force=force, client=client,
                            progress=progress, chunk_size=chunk_size, max_requests=max_requests)

    def clean(self, email: Column = "email", first: Column = "first_name",
              last: Column = "last_name", domain: Column | None = "domain",
              company: Column | None = "company", phone: Column | None = "phone",
              country: Column | None = "country", region: str | None = None,
              steps: Sequence[str] | None = None, min_confidence: int = 70,
              min_found_confidence: int = 70, **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """Clean a lead list in one step: verify, find what is missing, verify what was
        found, verify the phones, and give every row a verdict.

        The steps (``steps=``, default all, in this order): ``verify`` every distinct
        ``email``; ``find`` an email from ``first`` + ``last`` + ``domain`` (or, for rows
        without a valid domain, ``company``) once per distinct person, only for rows
        without a deliverable email (missing, invalid syntax, ``Invalid``);
        ``verify_found`` each found email not verified yet; ``phones``: verify ``phone``
        with a region per row from ``country`` (ISO codes or names), else the
        country-code top level domain of the email or domain, else ``region``.
        ``company`` and ``country`` are used when the frame has them (a column named
        otherwise must exist). Each step sends only what the cache does not answer,
        and ``max_requests`` is one budget for all of them.

        Adds the ``email_*``, ``found_email*``, ``found_email_status`` and ``phone_*``
        columns, ``phone_region`` (the region used), ``best_email`` (the input address
        if deliverable, else the found one, lower case), ``best_email_source``
        (``input``, ``found``, or missing), ``best_email_status``, ``duplicate_of`` (the
        index label of the first row of the same person: the same best email, else the
        same normalised first name, last name and domain), ``verdict`` and
        ``verdict_reason``. The rules:

        * keep: a ``Valid`` best email, not disposable, not a duplicate;
        * review: ``Accept All``, a full inbox, a verification confidence below
          ``min_confidence`` (or a finder confidence below ``min_found_confidence``),
          an email not verified (a failure or the budget), or only a valid phone;
        * drop: a duplicate, a disposable address, or neither a deliverable email nor a
          valid phone.

        The report (``result.attrs["salesrocks"]``) has a part per step and a total;
        ``result.salesrocks.summary()`` counts the outcome.
        """
        from sr_frames.cleanup import verdicts, waterfall
        from sr_frames.client.clients import Client

        _check_options(dict(options))
        columns = waterfall.CleanColumns(email, first, last, domain, company, phone, country)
        limits = verdicts.Thresholds(min_confidence, min_found_confidence)
        job = _Job("clean", self._frame, None, options)  # type: ignore[arg-type]
        client = options.get("client")
        if client is not None and not isinstance(client, Client):
            raise TypeError("client= takes a sr_frames.Client here")
        return waterfall.clean(self._frame, columns, region=region, steps=steps, thresholds=limits,
                               prefix=options.get("prefix", ""),
                               overwrite=options.get("overwrite", False), client=client,
                               options=job.run_options())

    def summary(self, prefix: str = "") -> Any:
        """Counts and shares of a cleaned frame: per verdict, email status, phone status
        and country, with the requests sent and cache hits of the run; a table with bars
        in Jupyter. See :func:`sr_frames.cleanup.summary`."""
        from sr_frames.cleanup.summary import summary

        return summary(self._frame, prefix=prefix)

    def estimate(self, verb: str, **arguments: Any) -> Any:
        """What ``verb`` with ``arguments`` would do, sending nothing: rows, distinct
        inputs, already cached, skipped, requests that would go out, and their cost.
        ``estimate("clean", ...)`` gives the requests of each step: exact where the
        inputs are known, an upper bound (marked) where they depend on answers."""
        if verb == "clean":
            return self._estimate_clean(**arguments)
        if verb not in VERBS:
            raise ValueError(f"unknown verb {verb!r}; verbs: {', '.join((*VERBS, 'clean'))}")
        return getattr(self._view("estimate"), verb)(**arguments)

    def _estimate_clean(self, email: Column = "email", first: Column = "first_name",
                        last: Column = "last_name", domain: Column | None = "domain",
                        company: Column | None = "company", phone: Column | None = "phone",
                        country: Column | None = "country", region: str | None = None,
                        steps: Sequence[str] | None = None, min_confidence: int = 70,
                        min_found_confidence: int = 70, **options: Unpack[VerbOptions]) -> Any:
        from sr_frames.cleanup import waterfall
        from sr_frames.cleanup.estimate import estimate_clean

        _check_options(dict(options))
        columns = waterfall.CleanColumns(email, first, last, domain, company, phone, country)
        job = _Job("clean", self._frame, None, options)  # type: ignore[arg-type]
        return estimate_clean(self._frame, columns, region=region, steps=steps,
                              options=job.run_options(), client=options.get("client"))


def column_parameters(verb: str) -> list[inspect.Parameter]:
    """The parameters of ``verb`` that name input columns, in order."""
    signature = inspect.signature(getattr(_Verbs, verb))
    return [p for p in signature.parameters.values() if str(p.annotation).startswith("Column")]


SERIES_VERBS = {verb: params[0].name for verb in VERBS
                 if len(params := [p for p in column_parameters(verb) if p.default is not None]) == 1}
"""Verbs with one input column (optional ones, such as ``region_column``, aside), which a
Series can be: verb -> its column argument."""


class SalesRocksSeriesAccessor:
    """``series.salesrocks.<verb>()``: the series is the input; returns a DataFrame with
    the series as its first column and the result columns after it."""

    def __init__(self, series: pd.Series) -> None:
        self._series = series

    def __getattr__(self, name: str) -> Any:
        base = name.removesuffix("_async")
        if base not in SERIES_VERBS:
            raise AttributeError(f"series.salesrocks has no verb {name!r}; series verbs: "
                                 f"{', '.join(sorted(SERIES_VERBS))} (and their _async twins)")
        column = self._series.name if self._series.name is not None else "value"
        frame = self._series.to_frame(column)
        method = getattr(SalesRocksFrameAccessor(frame), name)

        @functools.wraps(method)
        def verb(*args: Any, **options: Any) -> Any:
            return method(*args, **{SERIES_VERBS[base]: column}, **options)

        return verb

    def __dir__(self) -> list[str]:
        return sorted([*SERIES_VERBS, *(f"{v}_async" for v in SERIES_VERBS)])
