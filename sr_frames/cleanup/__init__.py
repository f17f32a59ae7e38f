"""The lead-list clean-up: one waterfall over the enrichment engine.

``df.salesrocks.clean()`` and ``sr-frames clean`` run, in order and paying for each
step only where the previous one came up empty: verify every distinct email; find an
email (once per person) for the rows without a deliverable one; verify what was
found; verify the phones with a region per row. Then every row gets its best email,
the source and status of that email, the first row of the same person and a verdict
(keep / review / drop) with its reason. :func:`summary` counts the outcome, and
:func:`add_summary_sheet` writes it into a workbook with a native chart.

Modules: ``regions`` (country names, ISO codes and ccTLDs to phone regions),
``steps`` (one endpoint run over some rows), ``waterfall`` (the steps in order, one
budget), ``verdicts`` (best email, duplicates, verdict rules), ``report`` (a part per
step and a total), ``estimate`` (exact where inputs are known, bounded where they
depend on answers), ``summary`` (the small frame), ``sheets`` (the Summary sheet and
chart, added at zip level), ``pushing`` (the rows to push: a filter, once per person).

May import: :mod:`sr_frames.enrich`, :mod:`sr_frames.lists`, :mod:`sr_frames.files`,
:mod:`sr_frames.client`, :mod:`sr_frames.cache` and the root modules. Must never
import the faces (``accessor``, ``cli``, ``dask``) or the sandbox.
"""

from sr_frames.cleanup.estimate import CleanEstimate, estimate_clean
from sr_frames.cleanup.pushing import contacts
from sr_frames.cleanup.report import CleanReport
from sr_frames.cleanup.sheets import add_summary_sheet
from sr_frames.cleanup.summary import Summary, summary
from sr_frames.cleanup.verdicts import Thresholds
from sr_frames.cleanup.waterfall import STEPS, clean

__all__ = ["STEPS", "CleanEstimate", "CleanReport", "Summary", "Thresholds", "add_summary_sheet",
           "clean", "contacts", "estimate_clean", "summary"]
