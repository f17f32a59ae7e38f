"""``ddf.salesrocks`` registered the moment ``dask.dataframe`` is imported.

``import sr_frames`` calls :func:`register_on_import`, which imports neither Dask nor
:mod:`sr_frames.dask.accessor` (that module loads the engine and the client): a finder
on ``sys.meta_path`` waits for ``dask.dataframe`` and registers the accessor right after
it has run.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from collections.abc import Sequence
from typing import Any

__all__ = ["register_on_import"]


def register_on_import() -> None:
    """Register ``ddf.salesrocks`` now if ``dask.dataframe`` is imported, else as soon as
    it is. Imports nothing: ``import sr_frames`` stays free of Dask."""
    if "dask.dataframe" in sys.modules:
        _register()
    elif not any(isinstance(f, _WhenImported) for f in sys.meta_path):
        sys.meta_path.insert(0, _WhenImported())


def _register() -> None:
    from sr_frames.dask.accessor import register

    register()


class _WhenImported(importlib.abc.MetaPathFinder):
    """Registers the accessor right after ``dask.dataframe`` is first imported."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "dask.dataframe":
            return None
        _forget_hook()
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run_module = loader.exec_module

        def exec_module(module: Any) -> None:
            run_module(module)
            try:
                _register()
            except Exception as error:  # never break the user's import of Dask
                warnings.warn(f"sr_frames could not register ddf.salesrocks: {error}",
                              RuntimeWarning, stacklevel=2)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _forget_hook() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _WhenImported)]
