"""``df.salesrocks`` and ``series.salesrocks``, registered without importing pandas.

``import sr_frames`` calls :func:`register_on_import`: if pandas is imported it
registers the two accessors now, else the moment pandas is (the import hook of
:mod:`sr_frames.enrich.import_hook`). Either way the accessor module,
:mod:`sr_frames.accessor`, which loads pandas, NumPy and the engine's modules, is
imported on the first ``df.salesrocks``, not before: a process that never touches a
frame (``sr-frames --help``, ``sr-frames sandbox``) never pays for pandas.

What pandas holds is a stand-in class whose instances are the real accessors
(``isinstance(df.salesrocks, SalesRocksFrameAccessor)`` holds), and whose public
class attributes are the real class's (``pd.DataFrame.salesrocks.verify_emails`` is
the verb).
Imports nothing but the standard library and the import hook; pandas only once loaded.
"""

from __future__ import annotations

import importlib
from typing import Any

from sr_frames.enrich.import_hook import when_imported

__all__ = ["register_on_import"]


class _Forwarded(type):
    """Public class attributes of a stand-in answer those of the real accessor class."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(cls.real(), name)

    def __dir__(cls) -> list[str]:
        return dir(cls.real())


class _StandIn(metaclass=_Forwarded):
    """Builds, for the frame or series pandas hands it, the class of
    :mod:`sr_frames.accessor` named by ``_real``."""

    _real = ""

    @classmethod
    def real(cls) -> type:
        accessor: type = getattr(importlib.import_module("sr_frames.accessor"), cls._real)
        return accessor

    def __new__(cls, data: Any) -> Any:
        return cls.real()(data)


class LazyFrameAccessor(_StandIn):
    """``df.salesrocks``: a :class:`sr_frames.accessor.SalesRocksFrameAccessor` over ``df``."""

    _real = "SalesRocksFrameAccessor"


class LazySeriesAccessor(_StandIn):
    """``series.salesrocks``: a :class:`sr_frames.accessor.SalesRocksSeriesAccessor`."""

    _real = "SalesRocksSeriesAccessor"


def register_on_import() -> None:
    """Register ``df.salesrocks`` and ``series.salesrocks`` now if pandas is imported,
    else as soon as it is. Imports no pandas itself."""
    when_imported("pandas", _register, "df.salesrocks and series.salesrocks")


def _register() -> None:
    from pandas.api.extensions import register_dataframe_accessor, register_series_accessor

    register_dataframe_accessor("salesrocks")(LazyFrameAccessor)
    register_series_accessor("salesrocks")(LazySeriesAccessor)
