"""A rows bar for reading and writing large files, with the verbs' conventions.

``progress=True`` (the default) shows a tqdm bar on stderr only when stderr is a
terminal and the file is large (``FILE_BAR_MIN_ROWS``); ``progress="always"`` shows it anyway
(a notebook, a log); ``False`` never. The bar is tqdm's own: this layer sits below
``enrich`` and does not borrow its bar.
"""

from __future__ import annotations

import sys
from typing import Any

from sr_frames.defaults import FILE_BAR_MIN_ROWS

__all__ = ["FILE_BAR_MIN_ROWS", "RowsBar"]



def _wanted(progress: bool | str, total: int) -> bool:
    if progress == "always":
        return True
    if not progress or total < FILE_BAR_MIN_ROWS:
        return False
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


class RowsBar:
    """``with RowsBar("writing leads.xlsx", rows, progress) as bar: bar.to(row)``."""

    def __init__(self, what: str, total: int, progress: bool | str) -> None:
        self._bar: Any = None
        if _wanted(progress, total):
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=what, unit="row", file=sys.stderr, leave=False,
                             dynamic_ncols=True, mininterval=0.2)

    def total(self, total: int) -> None:
        """Set the total once it is known (a sheet's declared rows)."""
        if self._bar is not None and total and total != self._bar.total:
            self._bar.total = total
            self._bar.refresh()

    def to(self, done: int) -> None:
        if self._bar is not None and done > self._bar.n:
            self._bar.update(min(done, self._bar.total) - self._bar.n)

    def __enter__(self) -> RowsBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()
