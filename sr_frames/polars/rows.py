"""Verbs whose answer belongs to a row, not to an input: ``push_to_list`` (identical rows
are distinct contacts), ``clean`` (a row's verdict depends on the rows before it: the
first row of a person is kept, the others are its duplicates) and any verb like them.

Only the columns the verb reads are converted to pandas, all rows of them; the pandas
verb runs on them and its new columns come back in Polars dtypes, appended to the
caller's frame (or in place of columns of the same name: these verbs replace their own
result columns on a re-run, as the pandas verbs do).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import polars as pl

from sr_frames import accessor
from sr_frames.enrich.report import RunReport
from sr_frames.polars.convert import from_pandas, to_pandas

ColumnsOf = Callable[[pd.DataFrame, tuple[Any, ...], dict[str, Any]], list[str]]
"""Which columns of a frame (given as its columns over no row) a verb called with
``(args, kwargs)`` reads."""

__all__ = ["ColumnsOf", "by_row"]

def by_row(frame: pl.DataFrame, verb: str, columns_of: ColumnsOf, args: tuple[Any, ...],
           kwargs: dict[str, Any]) -> tuple[pl.DataFrame, RunReport | None]:
    """``frame`` with the pandas verb's new columns, run on the columns it reads."""
    shape = pd.DataFrame({c: pd.Series([], dtype=object) for c in frame.columns})
    names = columns_of(shape, args, kwargs)
    inputs = to_pandas(frame.select(list(dict.fromkeys(names))))
    done = getattr(accessor.SalesRocksFrameAccessor(inputs), verb)(*args, **kwargs)
    added = [c for c in done.columns if c not in inputs.columns]
    result = frame.with_columns([from_pandas(str(c), done[c]) for c in added])
    return result, done.attrs.get(accessor.REPORT_ATTR)
