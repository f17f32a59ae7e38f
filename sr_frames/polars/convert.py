"""Crossing between Polars and pandas without pyarrow (which Polars needs for its own
``to_pandas`` and ``from_pandas``, and which a plain ``pip install sr-frames[polars]``
does not bring).

Only small things cross: the distinct rows of a verb's input columns one way, one value
per distinct outcome the other way (see :mod:`sr_frames.polars.distinct`), and the
columns a row verb reads. Values cross as Python objects, which is what the engine reads
them as anyway (:func:`sr_frames.cells.as_text`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl

__all__ = ["from_pandas", "to_pandas"]

_NUMERIC_WITHOUT_NULLS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32,
                          pl.UInt64, pl.Float32, pl.Float64, pl.Boolean)


def _column(series: pl.Series) -> pd.Series:
    if series.dtype in _NUMERIC_WITHOUT_NULLS and not series.null_count():
        return pd.Series(series.to_numpy(), name=series.name)
    values = np.empty(len(series), dtype=object)
    values[:] = series.to_list()
    return pd.Series(values, name=series.name, dtype=object, copy=False)


def to_pandas(frame: pl.DataFrame) -> pd.DataFrame:
    """``frame`` as a pandas frame on a ``RangeIndex``: numbers without gaps as numpy
    columns, everything else as Python values (``None`` where missing)."""
    return pd.DataFrame({name: _column(frame.get_column(name)) for name in frame.columns},
                        index=pd.RangeIndex(frame.height))


def objects(values: Any) -> list[Any]:
    """A pandas array or column as Python values, ``None`` where missing."""
    array = np.asarray(values, dtype=object)
    return [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
            for v in array.tolist()]


def from_pandas(name: str, values: pd.Series) -> pl.Series:
    """A pandas column as a Polars Series: categoricals as ``pl.Categorical``, nullable
    integers as ``pl.Int64``, text as ``pl.String`` (an all-missing column too)."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return pl.Series(name, objects(values), dtype=pl.Categorical)
    if pd.api.types.is_integer_dtype(dtype):
        return pl.Series(name, objects(values), dtype=pl.Int64)
    series = pl.Series(name, objects(values), strict=False)
    return series.cast(pl.String) if series.dtype == pl.Null else series
