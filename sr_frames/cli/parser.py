"""The ``sr-frames`` command: one subcommand per verb, for people with a workbook.

The verb subcommands are built from the accessor verbs' own signatures, read from its
source by :mod:`.signatures` so that building the parser loads no pandas: a parameter
annotated ``Column`` becomes ``--NAME COLUMN`` with the verb's default, a ``bool``
becomes a flag, an ``int`` a number, any other a value. Help texts are plain text
(the docstrings' markup is taken out); the examples are shown once, in
``sr-frames --help``, and each subcommand shows its own. The handlers live in
:mod:`.commands` and :mod:`.cleaning`; exit codes and wording in :mod:`.messages`.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from sr_frames.cli import cleaning, commands, signatures
from sr_frames.cli.messages import EXIT_USAGE

__all__ = ["build_parser", "main"]

DESCRIPTION = ("sr-frames: the Sales.Rocks API for lead lists in .xlsx and .csv files. Each "
               "command reads a file, asks the service (or, with --sandbox, the built-in "
               "emulator), and writes a copy with result columns added.")

EXAMPLES = """\
examples:
  sr-frames clean leads.xlsx --sandbox                    # verify, find, verdicts: leads.cleaned.xlsx
  sr-frames clean leads.xlsx --split -o clean.xlsx        # also keep / review / drop sheets
  sr-frames verify-emails leads.xlsx -o checked.xlsx      # against the service (credentials from env)
  sr-frames verify-phones leads.csv --region GB --dry-run # what would it send?
  sr-frames create-list "Good leads" --sandbox            # prints the list id
  sr-frames push clean.xlsx --list-id ID --where verdict=keep --dedupe
  sr-frames read-list ID -o list.xlsx
  sr-frames cache info

credentials: set SALESROCKS_USERNAME and SALESROCKS_PASSWORD (or SALESROCKS_TOKEN),
or pass --sandbox to use the built-in emulator on 127.0.0.1 (its lists are kept
under the cache directory between commands).
exit codes: 0 done, 1 done but some rows failed, 2 usage or input error,
3 authentication error or missing credentials, 4 the service could not be used
(nothing was done), 130 interrupted."""

EXAMPLE = {
    "verify-emails": "sr-frames verify-emails leads.xlsx --column email --sandbox",
    "verify-phones": "sr-frames verify-phones leads.xlsx --region-column country --sandbox",
    "find-email": "sr-frames find-email leads.xlsx --only-missing email --sandbox",
    "generate-emails": "sr-frames generate-emails leads.xlsx --first first_name --last last_name",
    "email-patterns": "sr-frames email-patterns leads.xlsx --domain domain --sandbox",
    "linkedin-contacts": "sr-frames linkedin-contacts leads.xlsx --domain domain --sandbox",
    "company-email": "sr-frames company-email leads.xlsx --linkedin company_linkedin --sandbox",
    "contact-emails": "sr-frames contact-emails leads.xlsx --linkedin company_linkedin --sandbox",
    "contact-email": "sr-frames contact-email leads.xlsx --linkedin linkedin --sandbox",
    "list-memberships": "sr-frames list-memberships leads.xlsx --column email --sandbox",
    "clean": "sr-frames clean leads.xlsx --split --sandbox",
    "push": "sr-frames push leads.cleaned.xlsx --list-id ID --where verdict=keep --dedupe --sandbox",
    "create-list": 'sr-frames create-list "Good leads" --sandbox',
    "read-list": "sr-frames read-list ID -o list.xlsx --sandbox",
    "lists": "sr-frames lists --sandbox",
    "campaign-stats": "sr-frames campaign-stats 12 15 -o stats.csv",
    "cache": "sr-frames cache clear --endpoint verify_email",
    "sandbox": "sr-frames sandbox --port 8765",
}

PARAMETER_HELP = {
    "region": "country of numbers written in national form, as an ISO code (GB, US)",
    "region_column": "column with each row's country (ISO code or name), for national numbers",
    "only_missing": "ask only for rows where this column is empty (e.g. email)",
    "use_service": "ask the service instead of applying the known permutation rule",
    "company": "input column: company name, for rows without a domain",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2, like every other error
        self.exit(EXIT_USAGE, f"sr-frames: error: {message} (see {self.prog} --help)\n")


def plain(text: str, parameters: Sequence[str] = ()) -> str:
    """Docstring text for the terminal: ``column`` -> --column for a parameter,
    ``only_missing="email"`` -> --only-missing email, other markup (double backticks,
    :func: roles) taken out; paragraphs wrapped."""
    def literal(m: re.Match[str]) -> str:
        name, equals, value = m.group(1).partition("=")
        if name in parameters:
            option = "--" + name.replace("_", "-")
            shown = value.strip("'\"")
            return f"{option} {shown}" if equals and shown and shown != "True" else option
        return m.group(1)

    text = re.sub(r":\w+:`~?([^`]+)`", lambda m: m.group(1).rsplit(".", 1)[-1], text)
    text = re.sub(r"``([^`]+)``", literal, text)
    paragraphs = [textwrap.fill(" ".join(p.split()), 78) for p in text.split("\n\n")]
    return "\n\n".join(paragraphs).replace("%", "%%")


def _add(subs: Any, name: str, help_text: str, description: str | None = None) -> argparse.ArgumentParser:
    return subs.add_parser(name, help=help_text, description=description or help_text,
                           epilog=f"example:\n  {EXAMPLE[name]}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)


def _file_options(sub: argparse.ArgumentParser, *, output_help: str | None = None) -> None:
    sub.add_argument("input", help="the .xlsx or .csv file to read")
    sub.add_argument("-o", "--output",
                     help=output_help or "where to write (default: a new file beside the input)")
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
    sub.add_argument("--prefix", default="", metavar="P", help="put P before every result column name")
    sub.add_argument("--overwrite", action="store_true", help="replace result columns already there")


def verb_parameters(verb: str) -> tuple[inspect.Parameter, ...]:
    """The parameters of a verb that become command-line options (not the run options)."""
    return signatures.verb(verb).parameters


def _add_parameter(sub: argparse.ArgumentParser, p: inspect.Parameter) -> None:
    flag = "--" + p.name.replace("_", "-")
    annotation = str(p.annotation)
    if annotation.startswith("Column"):
        shown = f"column '{p.default}'" if p.default else "none"
        sub.add_argument(flag, dest=p.name, default=p.default, metavar="COLUMN",
                         help=PARAMETER_HELP.get(p.name, f"input column (default: {shown})"))
    elif annotation == "bool":
        sub.add_argument(flag, dest=p.name, action="store_true", help=PARAMETER_HELP.get(p.name))
    elif annotation == "int":
        sub.add_argument(flag, dest=p.name, type=int, default=p.default, metavar="N",
                         help=PARAMETER_HELP.get(p.name, f"default: {p.default}"))
    else:
        sub.add_argument(flag, dest=p.name, default=p.default, metavar=p.name.upper(),
                         help=PARAMETER_HELP.get(p.name, p.name.replace("_", " ")))


def _add_verb(subs: Any, verb: str) -> None:
    read = signatures.verb(verb)
    names = [p.name for p in read.parameters]
    first, _, rest = read.doc.partition("\n\n")
    summary = plain(first, names)
    sub = _add(subs, verb.replace("_", "-"), summary,
               summary + ("\n\n" + plain(rest, names) if rest else ""))
    _file_options(sub)
    _verb_options(sub)
    for p in read.parameters:
        _add_parameter(sub, p)
    sub.set_defaults(handler=commands.run_verb, verb=verb, verb_arguments=names)


def _add_clean(subs: Any) -> None:
    sub = _add(subs, "clean", "verify, find missing emails, verify phones and give every row a "
               "verdict (keep, review, drop), in one command", cleaning.DESCRIPTION)
    _file_options(sub, output_help="where to write (default: INPUT.cleaned.xlsx beside the input)")
    _verb_options(sub)
    sub.add_argument("--split", action="store_true",
                     help="also write the keep, review and drop rows as sheets of their own "
                          "(CSV: three files beside the output)")
    for p in verb_parameters("clean"):
        if p.name == "steps":
            sub.add_argument("--steps", metavar="STEP,STEP",
                             help="the steps to run, comma-separated (default: all of "
                                  "verify,find,verify_found,phones)")
        elif p.name in ("min_confidence", "min_found_confidence"):
            sub.add_argument("--" + p.name.replace("_", "-"), dest=p.name, type=int, metavar="N",
                             default=p.default, help=(
                                 "review a valid email whose verification confidence is below N"
                                 if p.name == "min_confidence" else
                                 "review a found email whose finder confidence is below N")
                             + f" (default: {p.default})")
        elif str(p.annotation).startswith("Column"):
            shown = f"'{p.default}'" if p.default else "none"
            text = {"company": f"company name column, for rows without a valid domain "
                               f"(default: {shown}, when present)",
                    "country": f"country column, ISO codes or names, for national phone numbers "
                               f"(default: {shown}, when present)"}.get(
                p.name, f"input column (default: {shown})")
            sub.add_argument("--" + p.name, dest=p.name, default=p.default, metavar="COLUMN", help=text)
        else:
            _add_parameter(sub, p)
    sub.set_defaults(handler=cleaning.clean)


def _add_lists(subs: Any) -> None:
    push = _add(subs, "push", "add the rows of a file to an editable list, once (no duplicates)")
    _file_options(push)
    push.add_argument("--list-id", required=True, metavar="ID",
                      help="the list's id (printed by create-list; first column of lists)")
    push.add_argument("--columns", metavar="A,B,C",
                      help="comma-separated columns to send (default: the file's own)")
    push.add_argument("--force", action="store_true", help="push rows already pushed before")
    push.add_argument("--where", action="append", default=[], metavar="COLUMN=VALUE[,VALUE]",
                      help="push only rows whose COLUMN holds one of the values (repeatable)")
    push.add_argument("--dedupe", action="store_true",
                      help="push each person once: skip repeats in the file and emails already "
                           "in the list")
    push.set_defaults(handler=cleaning.push)

    create = _add(subs, "create-list", "create an editable list and print its id")
    create.add_argument("name", help="the list's name")
    create.add_argument("--permission", choices=["private", "company"], default="private",
                        help="who may read it (default: private)")
    _service_option(create)
    create.set_defaults(handler=commands.create_list)

    read = _add(subs, "read-list", "write every contact of a list to a file")
    read.add_argument("list_id", metavar="ID", help="the list's id (from create-list or lists)")
    read.add_argument("-o", "--output", required=True, help=".xlsx or .csv to write")
    _service_option(read)
    read.set_defaults(handler=commands.read_list)

    lists = _add(subs, "lists", "print your editable lists, their id first")
    lists.add_argument("-o", "--output", help="write them to a .xlsx or .csv instead")
    _service_option(lists)
    lists.set_defaults(handler=commands.lists)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sr-frames", description=DESCRIPTION, epilog=EXAMPLES,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_clean(subs)
    for verb in signatures.verb_names():
        _add_verb(subs, verb)
    _add_lists(subs)

    stats = _add(subs, "campaign-stats", "statistics of drip campaigns")
    stats.add_argument("campaign_ids", nargs="+", type=int, metavar="CAMPAIGN_ID",
                       help="the campaigns' numeric ids")
    stats.add_argument("-o", "--output", help="write them to a .xlsx or .csv instead")
    _service_option(stats)
    stats.set_defaults(handler=commands.campaign_stats)

    cache = _add(subs, "cache", "see or clear the response cache")
    cache.add_argument("action", choices=["info", "clear"],
                       help="info: what the cache holds; clear: forget cached answers")
    cache.add_argument("--endpoint", help="with clear: only this endpoint (e.g. verify_email)")
    cache.set_defaults(handler=commands.cache)

    sandbox = _add(subs, "sandbox", "serve the built-in emulator of the API on 127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765, help="the port to listen on (default: 8765)")
    sandbox.add_argument("--latency-ms", type=float, default=0.0, metavar="MS",
                         help="delay every answer by MS milliseconds")
    sandbox.add_argument("--rate-limit", type=float, metavar="N",
                         help="requests per second before answering 429")
    sandbox.add_argument("--token-ttl", type=float, default=3600.0, metavar="S",
                         help="token lifetime in seconds (default: 3600)")
    sandbox.add_argument("--password", help="accept only this password (default: any non-empty)")
    sandbox.set_defaults(handler=commands.sandbox)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sr-frames``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return commands.guarded(args.handler, args)
