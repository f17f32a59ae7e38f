"""The ``sr-frames`` command: one subcommand per verb, for people with a workbook.

``sr-frames verify-emails leads.xlsx --sandbox`` reads one sheet, runs the verb, and
writes a copy of the workbook with the result columns appended. Progress and the run
report go to stderr. Exit codes: 0 done, 1 done but some rows failed, 2 usage or
input error, 3 authentication error or missing credentials. Errors are one line that
says what to do, never a traceback.

The verb subcommands are built from the accessor verbs' own signatures: a parameter
annotated ``Column`` becomes ``--NAME COLUMN`` with the verb's default, a ``bool``
becomes a flag, any other becomes an option. The handlers live in :mod:`.commands`.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Sequence
from typing import Any

from sr_frames.accessor import VERBS, SalesRocksFrameAccessor
from sr_frames.cli import commands

__all__ = ["build_parser", "main"]

EXAMPLES = """\
examples:
  sr-frames verify-emails leads.xlsx --sandbox            # try it on the built-in emulator
  sr-frames verify-emails leads.xlsx -o clean.xlsx        # against the service (credentials from env)
  sr-frames verify-phones leads.csv --region GB --dry-run # what would it send and cost?
  sr-frames find-email leads.xlsx --first given --last family --domain website
  sr-frames push leads.xlsx --list-id whczyk8bluyl
  sr-frames read-list whczyk8bluyl -o list.xlsx
  sr-frames cache info
  sr-frames sandbox --port 8765

credentials: set SALESROCKS_USERNAME and SALESROCKS_PASSWORD (or SALESROCKS_TOKEN),
or pass --sandbox to use the built-in emulator on 127.0.0.1.
exit codes: 0 done, 1 done but some rows failed, 2 usage or input error,
3 authentication error or missing credentials."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2, like every other error
        command = self.prog.split()[-1]
        self.exit(commands.EXIT_USAGE, f"sr-frames: error: {message} (see sr-frames {command} --help)\n")


def _add(subs: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    return subs.add_parser(name, help=help_text, description=help_text, epilog=EXAMPLES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)


def _file_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("input", help="the .xlsx or .csv file to read")
    sub.add_argument("-o", "--output", help="where to write (default: a new file beside the input)")
    sub.add_argument("--sheet", help="the sheet to read (default: the active one)")
    sub.add_argument("--in-place", action="store_true", help="write into the input file itself")
    _service_option(sub)
    sub.add_argument("--max-requests", type=int, metavar="N", help="send at most N requests")
    sub.add_argument("--dry-run", action="store_true", help="say what would be sent; send nothing")
    sub.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no report")


def _service_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--sandbox", action="store_true",
                     help="run against the built-in emulator on 127.0.0.1 (nothing leaves the machine)")


def _verb_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    sub.add_argument("--refresh", action="store_true", help="ignore cached answers, store new ones")
    sub.add_argument("--offline", action="store_true", help="answer from the cache only; send nothing")
    sub.add_argument("--prefix", default="", help="put before every result column name")
    sub.add_argument("--overwrite", action="store_true", help="replace result columns already there")


def verb_parameters(verb: str) -> list[inspect.Parameter]:
    """The parameters of a verb that become command-line options (not the run options)."""
    signature = inspect.signature(getattr(SalesRocksFrameAccessor, verb))
    return [p for name, p in signature.parameters.items()
            if name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD]


def _add_verb(subs: Any, verb: str) -> None:
    doc = inspect.getdoc(getattr(SalesRocksFrameAccessor, verb)) or verb
    sub = _add(subs, verb.replace("_", "-"), doc.split("\n\n")[0].replace("\n", " "))
    _file_options(sub)
    _verb_options(sub)
    for p in verb_parameters(verb):
        flag = "--" + p.name.replace("_", "-")
        if str(p.annotation).startswith("Column"):
            shown = f"column '{p.default}'" if p.default else "none"
            sub.add_argument(flag, dest=p.name, default=p.default, metavar="COLUMN",
                             help=f"input column (default: {shown})")
        elif p.annotation == "bool":
            sub.add_argument(flag, dest=p.name, action="store_true")
        else:
            sub.add_argument(flag, dest=p.name, default=p.default)
    sub.set_defaults(handler=commands.run_verb, verb=verb,
                     verb_arguments=[p.name for p in verb_parameters(verb)])


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sr-frames", description=(__doc__ or "").split("\n\n")[0],
                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for verb in VERBS:
        _add_verb(subs, verb)

    push = _add(subs, "push", "add the rows of a file to an editable list, once (no duplicates)")
    _file_options(push)
    push.add_argument("--list-id", required=True, help="the list's id (from `sr-frames lists`)")
    push.add_argument("--columns", help="comma-separated columns to send (default: the file's own)")
    push.add_argument("--force", action="store_true", help="push rows already pushed before")
    push.set_defaults(handler=commands.push)

    read = _add(subs, "read-list", "write every contact of a list to a file")
    read.add_argument("list_id")
    read.add_argument("-o", "--output", required=True, help=".xlsx or .csv to write")
    _service_option(read)
    read.set_defaults(handler=commands.read_list)

    lists = _add(subs, "lists", "print your editable lists")
    lists.add_argument("-o", "--output", help="write them to a .xlsx or .csv instead")
    _service_option(lists)
    lists.set_defaults(handler=commands.lists)

    stats = _add(subs, "campaign-stats", "statistics of drip campaigns")
    stats.add_argument("campaign_ids", nargs="+", type=int, metavar="CAMPAIGN_ID")
    stats.add_argument("-o", "--output", help="write them to a .xlsx or .csv instead")
    _service_option(stats)
    stats.set_defaults(handler=commands.campaign_stats)

    cache = _add(subs, "cache", "see or clear the response cache")
    cache.add_argument("action", choices=["info", "clear"])
    cache.add_argument("--endpoint", help="with clear: only this endpoint (e.g. verify_email)")
    cache.set_defaults(handler=commands.cache)

    sandbox = _add(subs, "sandbox", "serve the built-in emulator of the API on 127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument("--latency-ms", type=float, default=0.0, help="delay every answer")
    sandbox.add_argument("--rate-limit", type=float, help="requests/s before answering 429")
    sandbox.add_argument("--token-ttl", type=float, default=3600.0, help="token lifetime in seconds")
    sandbox.add_argument("--password", help="accept only this password (default: any non-empty)")
    sandbox.set_defaults(handler=commands.sandbox)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sr-frames``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return commands.EXIT_USAGE
    return commands.guarded(args.handler, args)

