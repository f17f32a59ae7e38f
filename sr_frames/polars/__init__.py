"""``pl.DataFrame.salesrocks``, ``pl.LazyFrame.salesrocks`` and ``pl.Series.salesrocks``:
the verbs of ``df.salesrocks`` on Polars frames, over the same engine.

``namespaces`` is the face (the verb tables and the registration), ``distinct`` a read
verb on a DataFrame (distinct inputs found by Polars, answers joined back by key),
``lazy`` the same as one node of a LazyFrame's plan, ``rows`` the verbs whose answer
belongs to a row (``push_to_list``), ``schema`` the result columns' Polars dtypes.
Importing this package imports no Polars: :func:`register_on_import` registers the
namespaces once ``polars`` is imported (``import sr_frames`` calls it).

May import: the pandas accessor (its verb table and plans), ``enrich``, ``lists``,
``client``, ``cache`` and the root modules. Never imports: ``cli``, ``files``, ``dask``,
the sandbox. Nothing imports it but ``sr_frames/__init__.py``'s registration hook.
"""

from __future__ import annotations

from sr_frames.enrich.import_hook import when_imported

__all__ = ["register", "register_on_import"]


def register() -> bool:
    """Register the ``salesrocks`` namespaces on Polars (idempotent); ``False`` without
    Polars. Imports Polars; :func:`register_on_import` waits for it instead."""
    try:
        import polars  # noqa: F401
    except ImportError:
        return False
    from sr_frames.polars import namespaces  # registers when first imported

    if hasattr(namespaces, "register"):  # else it is being imported, and registers at its end
        namespaces.register()
    return True


def register_on_import() -> None:
    """Register now if ``polars`` is imported, else as soon as it is. Imports nothing."""
    when_imported("polars", register, "the salesrocks namespaces on Polars")
