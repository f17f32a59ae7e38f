"""``ddf.salesrocks``: the read verbs of ``df.salesrocks`` on Dask DataFrames.

``ddf.salesrocks.verify_emails()`` takes the arguments of the pandas verb and answers a
lazy Dask DataFrame with the same result columns; building it sends nothing, and
``compute()`` (or ``persist()``, ``to_parquet()``...) runs it:

1. every partition's input columns are normalised exactly as the pandas verbs do
   (:func:`sr_frames.cells.as_text`, :func:`sr_frames.checks.normalise`, the verb's own
   rewrites such as ``region=``) into one text key per row;
2. Dask's ``drop_duplicates`` finds the distinct keys across all partitions;
3. each partition of distinct keys is enriched on a worker by the pandas verb itself
   (cache look-up, local checks, concurrent requests, retries), so each distinct input
   is sent once for the whole frame;
4. the answers are gathered into one look-up table, and every partition gets its
   result columns from it by key, added as the pandas verb adds them: the partition's
   index, row order and columns kept, result columns after them.

Settings (credentials, base URL, cache directory, limits) are resolved when the verb is
called, in the calling process, and travel inside the tasks as :class:`WorkerSettings`,
whose repr is masked and whose Dask token holds a keyed fingerprint of the credentials,
never the credentials. On a distributed cluster the tasks use the cache of the calling
process and the cluster's one rate limit, pause and budget (:mod:`sr_frames.dask.cluster`);
with a local scheduler they share the cache directory and the files of
:mod:`sr_frames.dask.shared_limit`. The look-up table (about 1 kB per distinct input) must
fit in a worker's memory; the rows need not.

This module imports Dask only when a verb or :func:`register` is called, so
``import sr_frames`` works without it.
"""

from __future__ import annotations

import inspect
import json
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sr_frames import accessor, checks, defaults
from sr_frames.cache.scope import cache_scope
from sr_frames.cells import as_text
from sr_frames.dask.cluster import ClusterLink, link_for
from sr_frames.dask.shared_limit import SharedRateLimiter, take_budget
from sr_frames.dask.worker_settings import WorkerSettings
from sr_frames.defaults import DASK_INPUT_PARTITIONS_PER_TASK, DASK_MAX_ENRICH_TASKS
from sr_frames.endpoints import ColumnKind, Endpoint, endpoint
from sr_frames.enrich import engine
from sr_frames.enrich.columns import TEXT, attach, label_categories, result_columns
from sr_frames.enrich.estimate import estimate_plan

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["ACCESSOR_NAME", "DaskSalesRocksAccessor", "WorkerSettings", "enrich", "register",
           "result_dtypes", "row_keys"]

ACCESSOR_NAME = "salesrocks"
KEY = "__salesrocks_key__"

_TEXT = TEXT  # the dtype of every free-text result column, as on pandas


def result_dtypes(ep: Endpoint, prefix: str = "", *, known: bool = False) -> dict[str, Any]:
    """The result columns of ``ep``'s verb and their dtypes: those of the pandas verb
    (:meth:`Endpoint.column_kinds`). In the graph's metadata (not ``known``) label
    columns are categoricals whose categories Dask does not know until computed
    (``.cat.as_known()``); ``known``, they have no categories (an empty result)."""
    from dask.dataframe.utils import UNKNOWN_CATEGORIES

    labels = pd.CategoricalDtype(label_categories([] if known else [UNKNOWN_CATEGORIES]))
    dtypes: dict[ColumnKind, Any] = {"integer": "Int64", "label": labels, "list": object, "text": _TEXT}
    return {column: dtypes[kind] for column, kind in ep.column_kinds(prefix).items()}


# -- what a verb call means -----------------------------------------------------------

def _plan(frame: pd.DataFrame, verb: str, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    job = getattr(accessor.SalesRocksFrameAccessor(frame).planned(), verb)(*args, **kwargs)
    return job, job.transforms


@dataclass(frozen=True)
class _VerbCall:
    """One verb as called: its arguments, endpoint and input fields ``(column, kind,
    rewrite)`` in request order. Holds no secret."""

    verb: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    method: str
    fields: tuple[tuple[Any, str, Callable[[str], str] | None], ...]

    @property
    def prefix(self) -> str:
        return self.kwargs.get("prefix", "")

    @property
    def max_requests(self) -> int | None:
        return self.kwargs.get("max_requests")


def _describe(meta: pd.DataFrame, verb: str, args: tuple[Any, ...],
              kwargs: dict[str, Any]) -> _VerbCall:
    """Check a call against the frame's ``meta`` as the pandas verb would; sends nothing."""
    if kwargs.get("client") is not None:
        raise TypeError("client= cannot go to Dask workers (a client holds a connection pool "
                        "and a thread); set credentials and limits with sr_frames.configure() "
                        "or the environment, and they reach the workers with the tasks")
    kwargs = {k: v for k, v in kwargs.items() if k not in ("client", "progress")}
    job, transforms = _plan(meta, verb, args, kwargs)
    ep = job.plan.endpoint
    fields = tuple((column, ep.field(name).kind, transforms.get(name))
                   for name, column in job.plan.sources.items())
    return _VerbCall(verb, tuple(args), kwargs, ep.method, fields)


# -- the work done in the tasks -------------------------------------------------------

def _normalised(raw: Any, kind: str, rewrite: Callable[[str], str] | None) -> str | None:
    text = as_text(raw)
    if text is None:
        return None
    text = checks.normalise(kind, text)
    if rewrite is not None:
        text = rewrite(text)
    return text or None


def row_keys(frame: pd.DataFrame,
             fields: Sequence[tuple[Any, str, Callable[[str], str] | None]]) -> np.ndarray:
    """One text key per row: the JSON list of the row's normalised inputs (``null`` for a
    missing one), normalised as :func:`sr_frames.enrich.plan.make_plan` does. Rows with equal
    keys are one request."""
    if len(frame) == 0:
        return np.empty(0, dtype=object)
    codes, tables = [], []
    for column, kind, rewrite in fields:
        found, uniques = pd.factorize(np.asarray(frame[column], dtype=object), use_na_sentinel=True)
        # code -1 (missing) picks the None appended last
        tables.append([*(_normalised(v, kind, rewrite) for v in uniques), None])
        codes.append(found)
    combos, inverse = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
    keys = np.empty(len(combos), dtype=object)
    keys[:] = [json.dumps([t[c] for t, c in zip(tables, combo, strict=True)], ensure_ascii=False)
               for combo in combos]
    return keys.take(inverse.reshape(-1))


def _keys(part: pd.DataFrame, call: _VerbCall) -> pd.Series:
    return pd.Series(row_keys(part, call.fields), index=part.index, name=KEY, dtype=object)


def _enrich(keys: pd.Series, call: _VerbCall, settings: WorkerSettings,
            run: str | None, link: ClusterLink | None = None) -> pd.DataFrame:
    """Answer distinct inputs with the pandas verb: a frame of ``KEY`` and result columns."""
    ep = endpoint(call.method)
    texts = keys.to_numpy(dtype=object)
    rows = [json.loads(k) for k in texts]
    inputs = pd.DataFrame({column: [row[i] for row in rows]
                           for i, (column, _, _) in enumerate(call.fields)}, dtype=object)
    answers = _answer(inputs, call, settings, run, link) if len(inputs) else {
        c: _empty(d) for c, d in result_dtypes(ep, known=True).items()}
    return pd.DataFrame({KEY: texts, **answers})


def _answer(inputs: pd.DataFrame, call: _VerbCall, settings: WorkerSettings,
            run: str | None, link: ClusterLink | None) -> dict[str, Any]:
    """Run the pandas verb's engine over ``inputs`` with the caller's settings: on a
    cluster (``link``) with the user's cache and the cluster's limits, else with this
    machine's cache directory and shared files."""
    with settings.applied():
        return _answered(inputs, call, settings, run, link)


def _answered(inputs: pd.DataFrame, call: _VerbCall, settings: WorkerSettings,
              run: str | None, link: ClusterLink | None) -> dict[str, Any]:
    kwargs = {**call.kwargs, "prefix": "", "overwrite": True}
    job, _ = _plan(inputs, call.verb, call.args, kwargs)
    options = replace(job.run_options(), progress=False)
    if link is None:
        options = replace(options, cache_dir=settings.cache_dir)
        limiter: Any = _shared_limiter(settings)
    else:
        store, limiter = link.open(_scope(settings), settings.rate_limit,
                                   settings.max_concurrency, looked_up={})
        options = replace(options, cache_dir=None, store=store)
    with settings.client(limiter) as client:
        try:
            if call.max_requests is not None and run is not None and not options.cache_only:
                preview, _ = _plan(inputs, call.verb, call.args, kwargs)
                wanted = estimate_plan(preview.plan, call.verb, replace(options, max_requests=None),
                                       client).requests
                granted = (take_budget(settings.cache_dir, run, call.max_requests, wanted)
                           if link is None else limiter.take_budget(run, call.max_requests, wanted))
                options = replace(options, max_requests=granted)
            engine.run(job.plan, job.verb, options, client)
            if options.max_requests != call.max_requests:
                _name_the_budget(job.plan, options.max_requests, call.max_requests)
        finally:
            limiter.close()
    return result_columns(job.plan, "")


def _name_the_budget(plan: Any, granted: int | None, limit: int | None) -> None:
    """Inputs left over say the budget of the whole run, not this task's share of it."""
    share, whole = f"max_requests={granted} ", f"max_requests={limit} "
    for slot in plan.slots:
        if slot.state == "unanswered" and slot.error and share in slot.error:
            slot.error = slot.error.replace(share, whole)


def _scope(settings: WorkerSettings) -> str:
    """What one rate limit covers: the service and the account."""
    return f"{cache_scope(settings.base_url or defaults.DEFAULT_BASE_URL)} {settings.username or ''}"


def _shared_limiter(settings: WorkerSettings) -> SharedRateLimiter:
    """A rate limiter shared by every process using the cache directory (a client's own
    would space the requests of one process only); without a rate limit it still shares
    429 pauses, so one worker's ``Retry-After`` holds back every worker."""
    return SharedRateLimiter(settings.rate_limit, settings.cache_dir, _scope(settings))


def _by_key(answers: pd.DataFrame) -> pd.DataFrame:
    """The answers by key, label columns with their categories sorted as the pandas verb
    sorts them (joined from many tasks, they come in order of appearance)."""
    lookup = answers.set_index(KEY)
    for column in lookup.columns:
        if isinstance(lookup[column].dtype, pd.CategoricalDtype):
            values = lookup[column].array
            lookup[column] = values.set_categories(label_categories(values.categories))
    return lookup


def _attach(part: pd.DataFrame, keys: pd.Series, lookup: pd.DataFrame,
            call: _VerbCall) -> pd.DataFrame:
    """``part`` with its result columns, looked up by its rows' ``keys`` in the answers."""
    ep = endpoint(call.method)
    where = lookup.index.get_indexer(keys.to_numpy(dtype=object))
    if len(where) and where.min() < 0:
        raise RuntimeError(f"{int((where < 0).sum())} rows have no answer for their input; "
                           "this is a bug in sr_frames, please report it")
    columns = {call.prefix + c: lookup[c].array.take(where) for c in ep.result_columns()}
    return attach(part, columns, overwrite=call.kwargs.get("overwrite", False))


def _new_run() -> str:
    return uuid.uuid4().hex


# -- the graph ------------------------------------------------------------------------

def _empty(dtype: Any) -> Any:
    return pd.Series([], dtype=dtype).array


def enrich(ddf: dd.DataFrame, verb: str, args: tuple[Any, ...],
           kwargs: dict[str, Any]) -> dd.DataFrame:
    """The lazy Dask DataFrame of ``ddf.salesrocks.<verb>(*args, **kwargs)``."""
    import dask

    call = _describe(ddf._meta, verb, args, kwargs)
    settings = WorkerSettings.resolve()
    ep = endpoint(call.method)
    dtypes = result_dtypes(ep)
    tasks = max(1, min(DASK_MAX_ENRICH_TASKS, math.ceil(ddf.npartitions / DASK_INPUT_PARTITIONS_PER_TASK)))
    run = dask.delayed(_new_run, pure=False)() if call.max_requests is not None else None
    link = link_for(settings.cache_dir)

    keys = ddf.map_partitions(_keys, call, meta=pd.Series([], dtype=object, name=KEY))
    distinct = keys.drop_duplicates(split_out=tasks, shuffle_method="tasks")  # any scheduler
    answers_meta = pd.DataFrame({KEY: pd.Series([], dtype=object),
                                 **{c: _empty(d) for c, d in dtypes.items()}})
    # enforce_metadata=False: Dask would put its placeholder frame, whose label columns
    # hold a stand-in category, in place of an empty partition's own (empty) result
    answers = distinct.map_partitions(_enrich, call, settings, run, link, meta=answers_meta,
                                      clear_divisions=True, enforce_metadata=False)
    lookup = answers.repartition(npartitions=1).map_partitions(
        _by_key, meta=answers_meta.set_index(KEY), enforce_metadata=False)
    meta = attach(ddf._meta, {call.prefix + c: _empty(d) for c, d in dtypes.items()},
                  overwrite=call.kwargs.get("overwrite", False))
    return ddf.map_partitions(_attach, keys, lookup, call, meta=meta, enforce_metadata=False)


# -- the accessor ---------------------------------------------------------------------

class DaskSalesRocksAccessor:
    """``ddf.salesrocks.<verb>(...)``: the read verbs of ``df.salesrocks`` on a Dask
    DataFrame, lazily. Same arguments and result columns; ``progress`` is ignored (use
    Dask's own progress bar or dashboard) and ``client=`` is refused (settings come from
    ``sr_frames.configure()`` and the environment of the calling process)."""

    def __init__(self, ddf: dd.DataFrame) -> None:
        self._ddf = ddf

    def __dir__(self) -> list[str]:
        return sorted({*accessor.VERBS, *object.__dir__(self)})


def _dask_verb(name: str) -> Callable[..., Any]:
    pandas_verb = getattr(accessor.SalesRocksFrameAccessor, name)

    def verb(self: DaskSalesRocksAccessor, *args: Any, **kwargs: Any) -> Any:
        return enrich(self._ddf, name, args, kwargs)

    verb.__name__ = verb.__qualname__ = name
    verb.__signature__ = inspect.signature(pandas_verb)  # type: ignore[attr-defined]
    verb.__doc__ = (f"Lazy Dask twin of ``df.salesrocks.{name}``: one request per distinct "
                    "input across all partitions; sends nothing until computed.\n\n"
                    + (pandas_verb.__doc__ or ""))
    return verb


for _name in accessor.VERBS:
    setattr(DaskSalesRocksAccessor, _name, _dask_verb(_name))


def register() -> bool:
    """Register ``ddf.salesrocks`` on Dask DataFrames (idempotent); ``False`` without Dask.

    Imports ``dask.dataframe``; :func:`sr_frames.dask.on_import.register_on_import` waits for it instead.
    """
    try:
        from dask.dataframe import DataFrame
        from dask.dataframe.extensions import register_dataframe_accessor
    except ImportError:
        return False
    if getattr(DataFrame, ACCESSOR_NAME, None) is not DaskSalesRocksAccessor:
        register_dataframe_accessor(ACCESSOR_NAME)(DaskSalesRocksAccessor)
    return True


