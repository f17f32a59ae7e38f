"""What each ``sr-frames`` subcommand does (the parser is in :mod:`.parser`).

Every handler takes the parsed arguments and returns an exit code; :func:`guarded`
turns every error a user can meet into one line and its exit code (see
:mod:`.messages`). Credentials and the list a command works on are checked before
anything is shown or sent (:func:`preflight`).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sr_frames.cli.messages import (
    EXIT_AUTH,
    EXIT_FAILED_ROWS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SERVICE,
    EXIT_USAGE,
    for_terminal,
)

__all__ = ["EXIT_AUTH", "EXIT_FAILED_ROWS", "EXIT_OK", "EXIT_SERVICE", "EXIT_USAGE", "guarded",
           "preflight", "say", "service"]

SANDBOX_USER, SANDBOX_PASSWORD = "sandbox-user", "sandbox-password"
SANDBOX_STATE = "sandbox-state.json"
NO_CREDENTIALS = ("no Sales.Rocks credentials: set SALESROCKS_USERNAME and SALESROCKS_PASSWORD "
                  "(or SALESROCKS_TOKEN), or pass --sandbox to try the built-in emulator")
REFUSED_HINT = ("check SALESROCKS_USERNAME and SALESROCKS_PASSWORD (or SALESROCKS_TOKEN), "
                "or pass --sandbox to try the built-in emulator")


class UnknownList(Exception):
    """The list named by ``--list-id`` is not there (or not readable)."""


def guarded(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run ``handler``; every error becomes one line on stderr and its exit code."""
    from sr_frames.errors import (
        APIStatusError,
        AuthenticationError,
        MissingCredentialsError,
        SalesRocksError,
        TransportError,
    )

    try:
        return handler(args)
    except MissingCredentialsError:
        return fail(NO_CREDENTIALS, EXIT_AUTH)
    except AuthenticationError as exc:
        return fail(f"{exc}; {REFUSED_HINT}", EXIT_AUTH)
    except UnknownList as exc:
        return fail(str(exc), EXIT_USAGE)
    except KeyError as exc:  # unknown column: the message lists close matches
        return fail(exc.args[0] if exc.args else str(exc), EXIT_USAGE)
    except (TransportError, APIStatusError) as exc:  # the service failed: nothing was done
        return fail(f"the service could not be used ({exc}); nothing was done, "
                    "try again later", EXIT_SERVICE)
    except SalesRocksError as exc:
        if isinstance(exc, ValueError):
            return fail(_describe(exc), EXIT_USAGE)
        return fail(f"{exc}; nothing was done", EXIT_SERVICE)
    except (ValueError, TypeError, OSError) as exc:  # input, output and usage problems
        return fail(_describe(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        print("sr-frames: interrupted; answers received so far are kept in the cache", file=sys.stderr)
        return EXIT_INTERRUPTED


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)


def fail(message: str, code: int) -> int:
    print(f"sr-frames: error: {for_terminal(str(message))}", file=sys.stderr)
    return code


def say(message: str, args: argparse.Namespace) -> None:
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def sandbox_state_file() -> Path:
    """Where ``--sandbox`` keeps its users' lists between commands (in the cache directory)."""
    from sr_frames import config

    return config.settings().resolved_cache_dir / SANDBOX_STATE


@contextlib.contextmanager
def service(use_sandbox: bool) -> Iterator[None]:
    """Point the library at the built-in sandbox for the duration of a command.

    The sandbox gets credentials of its own, never the user's (they stay configured
    for the real service and are restored afterwards), and a cache scope of its own:
    it listens on a new port each time, and every sandbox answers alike, so a re-run
    is answered from the cache. Its lists and contacts are read from, and written back
    to, ``sandbox-state.json`` in the cache directory, so ``create-list``, ``push``,
    ``read-list`` and ``lists`` work one after the other.
    """
    if not use_sandbox:
        yield
        return
    from sr_frames import config
    from sr_frames.defaults import SANDBOX_CACHE_SCOPE
    from sr_frames.sandbox import start_sandbox

    server = start_sandbox(port=0, state_file=sandbox_state_file())
    before = config.configure()
    try:
        config.configure(base_url=server.url, username=SANDBOX_USER, password=SANDBOX_PASSWORD,
                         token=None, cache_scope=SANDBOX_CACHE_SCOPE)
        yield
    finally:
        config.configure(base_url=before.base_url, username=before.username,
                         password=before.password, token=before.token,
                         cache_scope=before.cache_scope)
        server.stop()


def preflight(list_id: str | None = None) -> None:
    """Log in (and read one row of ``list_id``) now, so refused or missing credentials,
    an unreachable service and an unknown list are said before any bar or report."""
    from sr_frames.client.clients import Client
    from sr_frames.errors import NotFoundError
    from sr_frames.lists.pages import check_list

    with Client() as client:
        client.run(lambda ac: ac.login())
        if list_id is not None:
            try:
                check_list(client, list_id)
            except NotFoundError:
                raise UnknownList(f"--list-id {list_id}: no such list (the ids are the first "
                                  "column of sr-frames lists)") from None


def _output(args: argparse.Namespace, suffix: str = "enriched") -> Path:
    from sr_frames.files.workbook import default_output_path

    if args.in_place:
        if args.output and Path(args.output) != Path(args.input):
            raise ValueError("--in-place writes into the input file: leave out -o, or leave out "
                             "--in-place to write to -o")
        return Path(args.input)
    return Path(args.output) if args.output else default_output_path(args.input, suffix)


def check_output(args: argparse.Namespace, suffix: str = "enriched") -> Path:
    """Where the result will go, checked before anything is sent (so a typo in -o costs
    nothing): the input itself only with --in-place, the kind of file the input comes
    back as, in a folder that exists and can be written."""
    from sr_frames.files.output import check_output as check

    return check(_output(args, suffix), args.input, in_place=args.in_place)


def write_result(result: Any, frame: Any, args: argparse.Namespace, suffix: str = "enriched") -> Path:
    """Write the columns the run added or replaced into a copy of the input (or in place)."""
    from sr_frames.files.workbook import write_table

    changed = [c for c in result.columns if c not in frame.columns or not result[c].equals(frame[c])]
    return write_table(result, args.input, _output(args, suffix), sheet=args.sheet, columns=changed,
                       in_place=args.in_place, progress=not args.quiet)


def options_of(args: argparse.Namespace) -> dict[str, Any]:
    """The run options every verb takes, from the command line."""
    return dict(cache=not args.no_cache, refresh=args.refresh, progress=not args.quiet,
                max_requests=args.max_requests, cache_only=args.offline, prefix=args.prefix,
                overwrite=args.overwrite)


def must_send(args: argparse.Namespace) -> bool:
    return not (args.dry_run or getattr(args, "offline", False))


def run_verb(args: argparse.Namespace) -> int:
    """Read, enrich, write; the exit code says whether rows failed."""
    from sr_frames.files.workbook import read_table

    if not args.dry_run:
        check_output(args)
    frame = read_table(args.input, sheet=args.sheet, progress=not args.quiet)
    arguments = {name: getattr(args, name) for name in args.verb_arguments}
    arguments = {k: v for k, v in arguments.items() if v is not None and v is not False}
    options = options_of(args)
    with service(args.sandbox):
        if args.dry_run:
            print(frame.salesrocks.estimate(args.verb, **arguments, **options))
            return EXIT_OK
        getattr(frame.salesrocks.planned(), args.verb)(**arguments, **options)  # checks only
        if must_send(args):
            preflight()
        result = getattr(frame.salesrocks, args.verb)(**arguments, **options)
    report = result.attrs["salesrocks"]
    say(f"wrote {write_result(result, frame, args)}", args)
    if report.failed:
        errors = ", ".join(c for c in result.columns if c.endswith("_error") and c not in frame.columns)
        failed = ", ".join(f"{reason}: {n}" for reason, n in sorted(report.failed.items()))
        say(f"some inputs failed ({failed}); each row's reason is in {errors}", args)
        return EXIT_FAILED_ROWS
    return EXIT_OK


def check_emit(output: str | None) -> None:
    """A file a list command will write, checked before the service is asked."""
    from sr_frames.files.output import check_output as check

    if output is not None:
        check(output)


def _emit(frame: Any, output: str | None) -> None:
    """Print ``frame``, or write it to ``output`` (.xlsx or .csv) formula-safe."""
    if output is None:
        print(frame.to_string(index=False) if len(frame) else "(none)")
        return
    from sr_frames.files.saving import save_table

    print(f"wrote {save_table(frame, output)}", file=sys.stderr)


def create_list(args: argparse.Namespace) -> int:
    """Print the new list's id on stdout: the id every list command takes."""
    from sr_frames.lists.contacts import create_list as create

    if not args.name.strip():
        return fail("the list needs a name: sr-frames create-list NAME", EXIT_USAGE)
    with service(args.sandbox):
        preflight()
        print(create(args.name, permission=args.permission))
    return EXIT_OK


def read_list(args: argparse.Namespace) -> int:
    from sr_frames.lists.contacts import read_list as read

    check_emit(args.output)
    with service(args.sandbox):
        preflight(args.list_id)
        _emit(read(args.list_id), args.output)
    return EXIT_OK


def lists(args: argparse.Namespace) -> int:
    """The lists, ``uuid`` (the id list commands take) first."""
    from sr_frames.lists.contacts import get_lists

    check_emit(args.output)
    with service(args.sandbox):
        preflight()
        frame = get_lists()
    if "uuid" in frame.columns:
        frame = frame[["uuid", *(c for c in frame.columns if c != "uuid")]]
    _emit(frame, args.output)
    return EXIT_OK


def campaign_stats(args: argparse.Namespace) -> int:
    from sr_frames.lists.campaigns import campaign_stats as stats

    check_emit(args.output)
    with service(args.sandbox):
        preflight()
        frame = stats(args.campaign_ids)
    _emit(frame, args.output)
    return EXIT_FAILED_ROWS if "error" in frame and frame["error"].notna().any() else EXIT_OK


def cache(args: argparse.Namespace) -> int:
    from sr_frames.cache.store import cache_info, clear_cache

    if args.action == "info":
        print(cache_info())
    else:
        print(f"removed {clear_cache(args.endpoint)} cached answers")
    return EXIT_OK


def sandbox(args: argparse.Namespace) -> int:
    from sr_frames.sandbox import serve

    try:
        serve(port=args.port, latency_ms=args.latency_ms, rate_limit=args.rate_limit,
              token_ttl=args.token_ttl, password=args.password)
    except OSError as exc:
        return fail(f"cannot serve on 127.0.0.1:{args.port} ({exc.strerror or exc}); "
                    "pick another port with --port", EXIT_USAGE)
    return EXIT_OK
