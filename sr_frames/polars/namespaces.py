"""``pl.DataFrame.salesrocks``, ``pl.LazyFrame.salesrocks``, ``pl.Series.salesrocks``.

The namespaces hold nothing but the frame (Polars builds one on every attribute access).
Their verbs are built from two tables, with the pandas verbs' signatures and docstrings:

* :data:`READ_VERBS`, the pandas accessor's read verbs: run once per distinct input
  (:mod:`sr_frames.polars.distinct`), eagerly on a DataFrame, lazily on a LazyFrame;
* :data:`ROW_VERBS`, verbs whose answer belongs to a row (:mod:`sr_frames.polars.rows`):
  verb name -> the columns it reads. A verb of the pandas accessor is one line here.

The run report of the frame a verb returned is ``result.salesrocks.report`` (Polars
frames have no metadata that survives an operation, so a frame derived from the result
has none) and always :func:`sr_frames.last_report`.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd
import polars as pl

from sr_frames import accessor
from sr_frames.enrich.estimate import Estimate
from sr_frames.enrich.report import RunReport
from sr_frames.lists.push import contact_columns

if TYPE_CHECKING:
    from sr_frames.polars.rows import ColumnsOf

__all__ = ["NAMESPACE", "READ_VERBS", "ROW_VERBS", "FrameVerbs", "LazyFrameVerbs", "SeriesVerbs",
           "clean_columns", "push_columns", "register"]

def push_columns(shape: pd.DataFrame, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[str]:
    """The columns ``push_to_list(list_id, columns=...)`` sends."""
    columns = args[1] if len(args) > 1 else kwargs.get("columns")
    return contact_columns(shape, columns)


def clean_columns(shape: pd.DataFrame, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[str]:
    """The columns ``clean(...)`` reads: those of its column arguments the frame has
    (a column it needs and lacks is left for the pandas verb to name, with close matches)."""
    signature = inspect.signature(accessor.SalesRocksFrameAccessor.clean)
    bound = signature.bind(None, *args, **kwargs)
    bound.apply_defaults()
    named = [bound.arguments[p.name] for p in signature.parameters.values()
             if str(p.annotation).startswith("Column")]
    return [c for c in named if c is not None and c in shape.columns]


NAMESPACE = "salesrocks"
READ_VERBS: tuple[str, ...] = accessor.VERBS
ROW_VERBS: dict[str, ColumnsOf] = {
    "push_to_list": push_columns,
    "clean": clean_columns,
}

_reports: dict[int, tuple[weakref.ref[pl.DataFrame], RunReport]] = {}


def _remember(frame: pl.DataFrame, report: RunReport | None) -> pl.DataFrame:
    """Keep ``report`` for as long as ``frame`` lives, for ``frame.salesrocks.report``."""
    if report is not None:
        key = id(frame)

        def forget(ref: weakref.ref[pl.DataFrame]) -> None:
            if key in _reports and _reports[key][0] is ref:
                del _reports[key]

        _reports[key] = (weakref.ref(frame, forget), report)
    return frame


class FrameVerbs:
    """``df.salesrocks.<verb>(...)`` on a ``pl.DataFrame``: the verbs of the pandas
    accessor, same arguments and result columns, a new ``pl.DataFrame`` back."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self._frame = frame

    @property
    def report(self) -> RunReport | None:
        """The run report of the verb that returned this very frame, else ``None``."""
        entry = _reports.get(id(self._frame))
        return entry[1] if entry is not None and entry[0]() is self._frame else None

    def summary(self, prefix: str = "") -> pl.DataFrame:
        """Counts and shares of a frame ``clean()`` returned, as the pandas summary:
        ``section``, ``value``, ``rows``, ``share``, with the run's requests sent and
        cache hits while this frame still carries its report. Only the counted columns
        cross to pandas. See :func:`sr_frames.cleanup.summary`."""
        from sr_frames.cleanup.summary import summary
        from sr_frames.polars.convert import to_pandas

        counted = [prefix + name for name in ("verdict", "best_email_status", "phone_status",
                                              "phone_region")]
        if counted[0] not in self._frame.columns:
            raise KeyError(f"column {counted[0]!r} is not in the frame: summary() reads the "
                           "result of clean()")
        inputs = to_pandas(self._frame.select([c for c in counted if c in self._frame.columns]))
        if self.report is not None:
            inputs.attrs[accessor.REPORT_ATTR] = self.report
        table = summary(inputs, prefix=prefix)
        return pl.DataFrame({
            "section": pl.Series(table["section"].tolist(), dtype=pl.String),
            "value": pl.Series(table["value"].tolist(), dtype=pl.String),
            "rows": pl.Series(table["rows"].tolist(), dtype=pl.Int64),
            "share": pl.Series([None if pd.isna(v) else float(v) for v in table["share"]],
                               dtype=pl.Float64),
        })

    def estimate(self, verb: str, **arguments: Any) -> Estimate:
        """What ``verb`` with ``arguments`` would do, sending nothing: rows, distinct
        inputs, already cached, skipped, requests that would go out, and their cost."""
        from sr_frames.polars import distinct

        if verb not in READ_VERBS:
            raise ValueError(f"unknown verb {verb!r}; verbs: {', '.join(READ_VERBS)}")
        call = distinct.describe(self._frame.columns, verb, (), arguments)
        return distinct.estimate(self._frame, call)

    def __dir__(self) -> list[str]:
        return sorted({*READ_VERBS, *ROW_VERBS, "summary", *object.__dir__(self)})


class LazyFrameVerbs:
    """``lf.salesrocks.<verb>(...)`` on a ``pl.LazyFrame``: the read verbs, lazily. The
    result's schema is known at once; building it and ``explain()`` send nothing;
    collecting sends each distinct input of the whole frame once."""

    def __init__(self, frame: pl.LazyFrame) -> None:
        self._frame = frame

    def __dir__(self) -> list[str]:
        return sorted({*READ_VERBS, *object.__dir__(self)})


def _signed(verb: Callable[..., Any], name: str, doc: str) -> Callable[..., Any]:
    pandas_verb = getattr(accessor.SalesRocksFrameAccessor, name)
    verb.__name__ = verb.__qualname__ = name
    verb.__signature__ = inspect.signature(pandas_verb)  # type: ignore[attr-defined]
    verb.__doc__ = doc + "\n\n" + (pandas_verb.__doc__ or "")
    return verb


def _read_verb(name: str) -> Callable[..., pl.DataFrame]:
    def verb(self: FrameVerbs, *args: Any, **kwargs: Any) -> pl.DataFrame:
        from sr_frames.polars import distinct

        call = distinct.describe(self._frame.columns, name, args, kwargs)
        return _remember(*distinct.enrich(self._frame, call))

    return _signed(verb, name, f"``df.salesrocks.{name}`` on a Polars DataFrame: a new "
                   "DataFrame, each distinct input sent once.")


def _lazy_verb(name: str) -> Callable[..., pl.LazyFrame]:
    def verb(self: LazyFrameVerbs, *args: Any, **kwargs: Any) -> pl.LazyFrame:
        from sr_frames.polars import lazy

        return lazy.enrich_lazily(self._frame, name, args, kwargs)

    return _signed(verb, name, f"``df.salesrocks.{name}`` on a Polars LazyFrame: sends nothing "
                   "until collected, then each distinct input of the whole frame once.")


def _row_verb(name: str, columns_of: ColumnsOf) -> Callable[..., pl.DataFrame]:
    def verb(self: FrameVerbs, *args: Any, **kwargs: Any) -> pl.DataFrame:
        from sr_frames.polars import rows

        return _remember(*rows.by_row(self._frame, name, columns_of, args, kwargs))

    return _signed(verb, name, f"``df.salesrocks.{name}`` on a Polars DataFrame: a new DataFrame.")


for _name in READ_VERBS:
    setattr(FrameVerbs, _name, _read_verb(_name))
    setattr(LazyFrameVerbs, _name, _lazy_verb(_name))
for _name, _columns_of in ROW_VERBS.items():
    setattr(FrameVerbs, _name, _row_verb(_name, _columns_of))

_SERIES_VERBS = {verb: column for verb, column in accessor.SERIES_VERBS.items() if verb in READ_VERBS}
"""The pandas Series verbs that Polars has too: verb -> its column argument."""


class SeriesVerbs:
    """``series.salesrocks.<verb>()``: the series is the input; a DataFrame back with the
    series as its first column (named ``value`` when the series has no name) and the
    result columns after it."""

    def __init__(self, series: pl.Series) -> None:
        self._series = series

    def __getattr__(self, name: str) -> Any:
        if name not in _SERIES_VERBS:
            raise AttributeError(f"series.salesrocks has no verb {name!r}; series verbs: "
                                 f"{', '.join(sorted(_SERIES_VERBS))}")
        column = self._series.name or "value"
        method = getattr(FrameVerbs(self._series.to_frame(column)), name)

        def verb(*args: Any, **options: Any) -> pl.DataFrame:
            return method(*args, **{_SERIES_VERBS[name]: column}, **options)

        verb.__name__, verb.__doc__ = name, method.__doc__
        return verb

    def __dir__(self) -> list[str]:
        return sorted(_SERIES_VERBS)


def register() -> None:
    """Register the three namespaces (idempotent)."""
    for cls, namespace, register_namespace in (
        (pl.DataFrame, FrameVerbs, pl.api.register_dataframe_namespace),
        (pl.LazyFrame, LazyFrameVerbs, pl.api.register_lazyframe_namespace),
        (pl.Series, SeriesVerbs, pl.api.register_series_namespace),
    ):
        if getattr(cls, NAMESPACE, None) is not namespace:
            register_namespace(NAMESPACE)(namespace)


# Importing this module registers: the import hook may fire while this very module, or
# another of the package, is being imported (their first ``import polars``), so the
# modules doing the work are imported by the verbs when called, never at the top.
register()
