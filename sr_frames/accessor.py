"""``df.salesrocks`` and ``series.salesrocks``: every read endpoint as a verb.

The accessors hold nothing but the frame (pandas builds a new accessor on every
attribute access): settings live in :mod:`sr_frames.config`, connections in the
client, answers in the cache. Each verb returns a new frame with the caller's index,
row order and columns, plus result columns; the caller's frame is never modified.
Every verb has an ``*_async`` twin for code that already runs in an event loop, and
``estimate("verb", ...)`` says what a verb would send without sending anything.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

import pandas as pd

from sr_frames import checks
from sr_frames.client.clients import AsyncClient, Client
from sr_frames.config import budget
from sr_frames.endpoints import Endpoint, endpoint
from sr_frames.enrich import engine
from sr_frames.enrich.columns import attach, check_clashes, input_columns, result_columns
from sr_frames.enrich.estimate import Estimate, estimate_plan
from sr_frames.enrich.plan import Plan, bulk, check_locally, make_plan
from sr_frames.enrich.report import RunReport

__all__ = ["SalesRocksFrameAccessor", "SalesRocksSeriesAccessor", "VerbOptions"]

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

    def run_options(self) -> engine.RunOptions:
        o = self.options
        return engine.RunOptions(
            cache=o.get("cache", True), refresh=o.get("refresh", False),
            progress=o.get("progress", True), max_requests=o.get("max_requests"),
            cache_only=o.get("cache_only", False),
        )

    def finish(self, report: RunReport) -> pd.DataFrame:
        with bulk():
            columns = result_columns(self.plan, self.options.get("prefix", ""))
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
        check_clashes(self._frame, ep.result_columns(prefix), overwrite=options.get("overwrite", False))
        local = plan_args.pop("local", None)
        with bulk():
            plan = make_plan(ep, inputs, sources={f: col for f, (_, col) in wanted.items()},
                             **plan_args)
        if local is not None:
            local(plan)
        job = _Job(verb, self._frame, plan, options,  # type: ignore[arg-type]
                   dict(plan_args.get("transforms") or {}))
        return self._dispatch(job)

    def _dispatch(self, job: _Job) -> Any:
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
                      **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """Verify the phone number in ``column``, many per request: adds ``phone_status``
        ("VALID", "INVALID", "INVALID FORMAT"), ``phone_international`` and the other
        ``phone_*`` columns.

        The service reads numbers in international form (``+44 ...``, ``0044 ...`` or
        digits starting with the country code). Give ``region`` (``"GB"``, ``"US"``) to
        have numbers written in that country's national form rewritten first.
        """
        transforms = {"phones": functools.partial(_international, region=region)} if region else {}
        return self._job("verify_phones", {"phones": ("column", column)}, dict(options),
                         "verify_phones", transforms=transforms)

    def find_email(self, first: Column = "first_name", last: Column = "last_name",
                   domain: Column | None = "domain", company: Column | None = None,
                   **options: Unpack[VerbOptions]) -> pd.DataFrame:
        """Find a person's address from first and last name plus the company ``domain``
        (or, with ``company=``, the company name): adds ``found_email``,
        ``found_email_confidence`` and ``found_email_error``."""
        names = {"first_name": ("first", first), "last_name": ("last", last)}
        if company is not None:
            names["company_name"] = ("company", company)
            return self._job("find_email_by_company", names, dict(options), "find_email")
        if domain is None:
            raise TypeError("find_email() needs domain= or company=")
        names["company_domain"] = ("domain", domain)
        return self._job("find_email", names, dict(options), "find_email")

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


@pd.api.extensions.register_dataframe_accessor("salesrocks")
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

    def estimate(self, verb: str, **arguments: Any) -> Estimate:
        """What ``verb`` with ``arguments`` would do, sending nothing: rows, distinct
        inputs, already cached, skipped, requests that would go out, and their cost."""
        if verb not in VERBS:
            raise ValueError(f"unknown verb {verb!r}; verbs: {', '.join(VERBS)}")
        return getattr(self._view("estimate"), verb)(**arguments)


def column_parameters(verb: str) -> list[inspect.Parameter]:
    """The parameters of ``verb`` that name input columns, in order."""
    signature = inspect.signature(getattr(_Verbs, verb))
    return [p for p in signature.parameters.values() if str(p.annotation).startswith("Column")]


_SERIES_VERBS = {verb: params[0].name for verb in VERBS
                 if len(params := column_parameters(verb)) == 1}
"""Verbs with one input column, which a Series can be: verb -> its column argument."""


@pd.api.extensions.register_series_accessor("salesrocks")
class SalesRocksSeriesAccessor:
    """``series.salesrocks.<verb>()``: the series is the input; returns a DataFrame with
    the series as its first column and the result columns after it."""

    def __init__(self, series: pd.Series) -> None:
        self._series = series

    def __getattr__(self, name: str) -> Any:
        base = name.removesuffix("_async")
        if base not in _SERIES_VERBS:
            raise AttributeError(f"series.salesrocks has no verb {name!r}; series verbs: "
                                 f"{', '.join(sorted(_SERIES_VERBS))} (and their _async twins)")
        column = self._series.name if self._series.name is not None else "value"
        frame = self._series.to_frame(column)
        method = getattr(SalesRocksFrameAccessor(frame), name)

        @functools.wraps(method)
        def verb(*args: Any, **options: Any) -> Any:
            return method(*args, **{_SERIES_VERBS[base]: column}, **options)

        return verb

    def __dir__(self) -> list[str]:
        return sorted([*_SERIES_VERBS, *(f"{v}_async" for v in _SERIES_VERBS)])
