"""Run a registration the moment an optional library is first imported.

The faces over other frame libraries (Dask, Polars) add a ``salesrocks`` namespace to
that library's classes, which needs the library imported; ``import sr_frames`` must not
import it (it may be slow to import, or not installed). :func:`when_imported` registers
now if the module is already imported, else installs a finder on ``sys.meta_path`` that
runs the registration right after the module's own code has run, then steps aside.
Imports nothing but the standard library.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["when_imported"]


class _WhenImported(importlib.abc.MetaPathFinder):
    """Runs ``register`` right after ``module`` is first imported."""

    def __init__(self, module: str, register: Callable[[], object], what: str) -> None:
        self.module, self.register, self.what = module, register, what

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.module:
            return None
        sys.meta_path[:] = [f for f in sys.meta_path if f is not self]
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run_module = loader.exec_module

        def exec_module(module: Any) -> None:
            run_module(module)
            try:
                self.register()
            except Exception as error:  # never break the user's import of the library
                warnings.warn(f"sr_frames could not register {self.what}: {error}",
                              RuntimeWarning, stacklevel=2)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def when_imported(module: str, register: Callable[[], object], what: str) -> None:
    """Call ``register()`` now if ``module`` is imported, else right after it first is
    (once; ``what`` names the registration in the warning given if it fails). Imports
    nothing, so a library that is not installed costs nothing."""
    if module in sys.modules:
        register()
    elif not any(isinstance(f, _WhenImported) and f.module == module for f in sys.meta_path):
        sys.meta_path.insert(0, _WhenImported(module, register, what))
