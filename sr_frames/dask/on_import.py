"""``ddf.salesrocks`` registered the moment ``dask.dataframe`` is imported.

``import sr_frames`` calls :func:`register_on_import`, which imports neither Dask nor
:mod:`sr_frames.dask.accessor` (that module loads the engine and the client): the
import hook of :mod:`sr_frames.enrich.import_hook` waits for ``dask.dataframe`` and
registers the accessor right after it has run.
"""

from __future__ import annotations

from sr_frames.enrich.import_hook import when_imported

__all__ = ["register_on_import"]


def register_on_import() -> None:
    """Register ``ddf.salesrocks`` now if ``dask.dataframe`` is imported, else as soon as
    it is. Imports nothing: ``import sr_frames`` stays free of Dask."""
    when_imported("dask.dataframe", _register, "ddf.salesrocks")


def _register() -> None:
    from sr_frames.dask.accessor import register

    register()
