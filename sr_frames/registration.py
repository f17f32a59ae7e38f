"""``df.salesrocks`` and ``series.salesrocks``, registered without importing pandas.

``import sr_frames`` calls :func:`register_on_import`: if pandas is imported it
registers the two accessors now, else the moment pandas is (the import hook of
:mod:`sr_frames.enrich.import_hook`). Either way the accessor module,
:mod:`sr_frames.accessor`, which loads pandas, NumPy and the engine's modules, is
imported on the first ``df.salesrocks``, not before: a process that never touches a
frame (``sr-frames --help``, ``sr-frames sandbox``) never pays for pandas.

What pandas holds is a stand-in class whose instances are the real accessors
(``isinstance(df.salesrocks, SalesRocksFrameAccessor)`` holds), and whose class
attributes are the real class's (``pd.DataFrame.salesrocks.verify_emails`` is the verb).
Imports nothing but the standard library and the import hook; pandas only once loaded.
"""

from __future__ import annotations

from typing import Any

from sr_frames.enrich.import_hook import when_imported

__all__ = ["register_on_import"]


class _Forwarded(type):
    """Class attribute look-ups of a stand-in answer those of the real accessor class."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(cls.real(), name)

    def __dir__(cls) -> list[str]:
        return dir(cls.real())


class LazyFrameAccessor(metaclass=_Forwarded):
    """``df.salesrocks``: a :class:`sr_frames.accessor.SalesRocksFrameAccessor` over ``df``."""

    @staticmethod
    def real() -> type:
        from sr_frames.accessor import SalesRocksFrameAccessor

        return SalesRocksFrameAccessor

    def __new__(cls, frame: Any) -> Any:
        return cls.real()(frame)


class LazySeriesAccessor(metaclass=_Forwarded):
    """``series.salesrocks``: a :class:`sr_frames.accessor.SalesRocksSeriesAccessor`."""

    @staticmethod
    def real() -> type:
        from sr_frames.accessor import SalesRocksSeriesAccessor

        return SalesRocksSeriesAccessor

    def __new__(cls, series: Any) -> Any:
        return cls.real()(series)


def register_on_import() -> None:
    """Register ``df.salesrocks`` and ``series.salesrocks`` now if pandas is imported,
    else as soon as it is. Imports no pandas itself."""
    when_imported("pandas", _register, "df.salesrocks and series.salesrocks")


def _register() -> None:
    from pandas.api.extensions import register_dataframe_accessor, register_series_accessor

    register_dataframe_accessor("salesrocks")(LazyFrameAccessor)
    register_series_accessor("salesrocks")(LazySeriesAccessor)
