"""What the terminal says: library messages in the command line's words, exit codes.

The library's messages name Python arguments (``column=``, ``overwrite=True``); on
the command line the same advice must name the options (``--column``,
``--overwrite``). :func:`for_terminal` rewrites one message; it knows the shapes the
library uses, and leaves any other text alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["EXIT_AUTH", "EXIT_FAILED_ROWS", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_SERVICE",
           "EXIT_USAGE", "flag", "for_terminal"]

EXIT_OK = 0
"""Done (rows left for a later run by ``--max-requests`` or ``--offline`` count as done)."""
EXIT_FAILED_ROWS = 1
"""Done, but some rows failed: the report names the reasons, the error columns the rows."""
EXIT_USAGE = 2
"""Usage or input error: unknown option or column, unreadable input, unwritable output,
unknown list id, busy port. Nothing was sent."""
EXIT_AUTH = 3
"""Authentication refused or credentials missing. Nothing was sent."""
EXIT_SERVICE = 4
"""The service could not be used (unreachable, failing, refusing the request) before
anything was done."""
EXIT_INTERRUPTED = 130

_OPTION_OF = {"first": "first", "last": "last", "in_place": "in-place", "list_id": "list-id"}


def flag(argument: str) -> str:
    """The option for a Python argument: ``max_requests`` -> ``--max-requests``."""
    return "--" + _OPTION_OF.get(argument, argument).replace("_", "-")


_REWRITES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\(argument (\w+)=\)"), lambda m: f"(option {flag(m.group(1))})"),
    (re.compile(r"\b[Pp]ass (\w+)='<column name>'"), lambda m: f"pass {flag(m.group(1))} COLUMN"),
    (re.compile(r"\bprefix='\.\.\.'"), lambda m: "--prefix P"),
    (re.compile(r"\b(overwrite|in_place|force|refresh)=True\b"), lambda m: flag(m.group(1))),
    (re.compile(r"\bcache_only=True\b"), lambda m: "--offline"),
    (re.compile(r"\bmax_requests=(\d+)"), lambda m: f"--max-requests {m.group(1)}"),
    (re.compile(r"\bmax_requests\b"), lambda m: "--max-requests"),
    (re.compile(r"\b(\w+)\(\) needs (\w+)= or (\w+)="),
     lambda m: f"{m.group(1).replace('_', '-')} needs {flag(m.group(2))} or {flag(m.group(3))}"),
    (re.compile(r"\bcolumns=\[\.\.\.\]"), lambda m: "--columns a,b,c"),
    (re.compile(r"\b(min_confidence|min_found_confidence|steps)\b"), lambda m: flag(m.group(1))),
    (re.compile(r",? ?call sr_frames\.configure\(username=\.\.\., password=\.\.\.\),"
                r"(?: or pass them to the client)?\.?"), lambda m: "."),
)


def for_terminal(message: str) -> str:
    """``message`` with Python arguments named as the command line's options."""
    for pattern, replace in _REWRITES:
        message = pattern.sub(replace, message)
    return " ".join(message.split())
