"""The ``sr-frames`` command: one subcommand per verb, for people with a workbook.

``sr-frames verify-emails leads.xlsx --sandbox`` reads one sheet, runs the verb, and
writes a copy of the workbook with the result columns appended. Progress and the run
report go to stderr. Exit codes: 0 done, 1 done but some rows failed, 2 usage or
input error, 3 authentication error or missing credentials. Errors are one line that
says what to do, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["main"]

EXIT_OK, EXIT_FAILED_ROWS, EXIT_USAGE, EXIT_AUTH = 0, 1, 2, 3
SANDBOX_USER, SANDBOX_PASSWORD = "sandbox-user", "sandbox-password"


@dataclass(frozen=True)
class VerbCommand:
    """A verb subcommand: its accessor verb and its column options with their defaults."""

    name: str
    verb: str
    columns: tuple[tuple[str, str | None], ...]
    help: str
    extra: tuple[str, ...] = ()


VERB_COMMANDS: tuple[VerbCommand, ...] = (
    VerbCommand("verify-emails", "verify_emails", (("column", "email"),),
                "verify email addresses (status, confidence, disposable, MX ...)"),
    VerbCommand("verify-phones", "verify_phones", (("column", "phone"),),
                "verify phone numbers, many per request", ("region",)),
    VerbCommand("find-email", "find_email",
                (("first", "first_name"), ("last", "last_name"), ("domain", "domain"),
                 ("company", None)),
                "find addresses from first/last name and company domain (or --company)"),
    VerbCommand("generate-emails", "generate_emails",
                (("first", "first_name"), ("last", "last_name"), ("domain", "domain")),
                "candidate addresses from names and domain", ("use-service",)),
    VerbCommand("email-patterns", "email_patterns", (("domain", "domain"),),
                "email patterns of each domain"),
    VerbCommand("linkedin-contacts", "linkedin_contacts", (("domain", "domain"),),
                "LinkedIn handles of contacts at each domain"),
    VerbCommand("company-email", "company_email", (("linkedin", "company_linkedin"),),
                "company address from a company LinkedIn handle"),
    VerbCommand("contact-emails", "contact_emails", (("linkedin", "company_linkedin"),),
                "contact addresses from a company LinkedIn handle"),
    VerbCommand("contact-email", "contact_email", (("linkedin", "linkedin"),),
                "a person's address from their LinkedIn handle"),
    VerbCommand("list-memberships", "list_memberships", (("column", "email"),),
                "which of your lists hold each address"),
)

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


class UsageError(Exception):
    """A mistake the user can fix from the command line (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2, like every other error
        self.exit(EXIT_USAGE, f"sr-frames: error: {message} (see sr-frames {self.prog.split()[-1]} --help)\n")


def _run_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("input", help="the .xlsx or .csv file to read")
    sub.add_argument("-o", "--output", help="where to write (default: a new file beside the input)")
    sub.add_argument("--sheet", help="the sheet to read (default: the active one)")
    sub.add_argument("--in-place", action="store_true", help="write into the input file itself")
    _service_options(sub)
    sub.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    sub.add_argument("--refresh", action="store_true", help="ignore cached answers, store new ones")
    sub.add_argument("--dry-run", action="store_true", help="say what would be sent and cost; send nothing")
    sub.add_argument("--max-requests", type=int, metavar="N", help="send at most N requests")
    sub.add_argument("--offline", action="store_true", help="answer from the cache only; send nothing")
    sub.add_argument("--prefix", default="", help="put before every result column name")
    sub.add_argument("--overwrite", action="store_true", help="replace result columns already there")
    sub.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no report")


def _service_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--sandbox", action="store_true",
                     help="run against the built-in emulator on 127.0.0.1 (nothing leaves the machine)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sr-frames", description=__doc__.split("\n\n")[0],
                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in VERB_COMMANDS:
        sub = subs.add_parser(command.name, help=command.help, description=command.help,
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
        _run_options(sub)
        for argument, default in command.columns:
            shown = f"column '{default}'" if default else "none"
            sub.add_argument(f"--{argument}", default=default, metavar="COLUMN",
                             help=f"input column (default: {shown})")
        if "region" in command.extra:
            sub.add_argument("--region", help="country (GB, US ...) of numbers written nationally")
        if "use-service" in command.extra:
            sub.add_argument("--use-service", action="store_true",
                             help="ask the service instead of applying the known rule locally")
    from .cli_commands import add_other_commands

    add_other_commands(subs, _run_options, _service_options)
    return parser


@contextlib.contextmanager
def service(use_sandbox: bool) -> Iterator[None]:
    """Point the library at the built-in sandbox for the duration of a command."""
    if not use_sandbox:
        yield
        return
    from . import config
    from .sandbox import start_sandbox

    server = start_sandbox(port=0)
    before = config.configure()
    try:
        config.configure(base_url=server.url, username=before.username or SANDBOX_USER,
                         password=before.password or SANDBOX_PASSWORD, token=None)
        yield
    finally:
        config.configure(base_url=before.base_url, username=before.username,
                         password=before.password, token=before.token)
        server.stop()


def run_verb(command: VerbCommand, args: argparse.Namespace) -> int:
    """Read, enrich, write; the exit code says whether rows failed."""
    from . import excel

    frame = excel.read_table(args.input, sheet=args.sheet)
    arguments = {name: getattr(args, name) for name, _ in command.columns}
    arguments = {k: v for k, v in arguments.items() if v is not None}
    if "region" in command.extra and args.region:
        arguments["region"] = args.region
    if "use-service" in command.extra and args.use_service:
        arguments["use_service"] = True
    options = dict(cache=not args.no_cache, refresh=args.refresh, progress=not args.quiet,
                   max_requests=args.max_requests, cache_only=args.offline, prefix=args.prefix,
                   overwrite=args.overwrite)
    with service(args.sandbox):
        if args.dry_run:
            estimate = frame.salesrocks.estimate(command.verb, **arguments, **options)
            print(estimate)
            return EXIT_OK
        result = getattr(frame.salesrocks, command.verb)(**arguments, **options)
    report = result.attrs["salesrocks"]
    output = write_result(result, frame, args)
    _say(f"wrote {output}", args)
    if report.failed:
        errors = ", ".join(c for c in result.columns if c.endswith("_error") and c not in frame.columns)
        failed = ", ".join(f"{reason}: {n}" for reason, n in sorted(report.failed.items()))
        _say(f"some inputs failed ({failed}); each row's reason is in {errors}", args)
        return EXIT_FAILED_ROWS
    return EXIT_OK


def write_result(result: Any, frame: Any, args: argparse.Namespace) -> Path:
    """Write ``result``'s new columns next to the input's own, into the chosen output."""
    from . import excel

    if args.in_place:
        output = Path(args.input)
    else:
        output = Path(args.output) if args.output else excel.default_output_path(args.input)
    new = [c for c in result.columns if c not in frame.columns]
    return excel.write_table(result, args.input, output, sheet=args.sheet, columns=new,
                             in_place=args.in_place)


def _say(message: str, args: argparse.Namespace) -> None:
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def _fail(message: str, code: int) -> int:
    first_line = " ".join(str(message).split())
    print(f"sr-frames: error: {first_line}", file=sys.stderr)
    return code


def dispatch(args: argparse.Namespace) -> int:
    by_name = {c.name: c for c in VERB_COMMANDS}
    if args.command in by_name:
        return run_verb(by_name[args.command], args)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sr-frames``; returns the exit code."""
    from .errors import AuthenticationError, MissingCredentialsError, SalesRocksError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return dispatch(args)
    except (AuthenticationError, MissingCredentialsError) as exc:
        hint = ("set SALESROCKS_USERNAME and SALESROCKS_PASSWORD (or SALESROCKS_TOKEN), "
                "or pass --sandbox to try the built-in emulator")
        return _fail(f"{exc}; {hint}", EXIT_AUTH)
    except KeyError as exc:  # unknown column: the message lists close matches
        return _fail(exc.args[0] if exc.args else str(exc), EXIT_USAGE)
    except (UsageError, FileNotFoundError, IsADirectoryError, ValueError, TypeError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    except SalesRocksError as exc:
        return _fail(str(exc), EXIT_FAILED_ROWS)
    except KeyboardInterrupt:
        print("sr-frames: interrupted; answers received so far are kept in the cache", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
