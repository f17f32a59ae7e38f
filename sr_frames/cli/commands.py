"""What each ``sr-frames`` subcommand does (the parser is in :mod:`.cli`).

Every handler takes the parsed arguments and returns an exit code; :func:`guarded`
turns every error a user can meet into one line and its exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["EXIT_AUTH", "EXIT_FAILED_ROWS", "EXIT_OK", "EXIT_USAGE", "guarded", "service"]

EXIT_OK, EXIT_FAILED_ROWS, EXIT_USAGE, EXIT_AUTH = 0, 1, 2, 3
SANDBOX_USER, SANDBOX_PASSWORD = "sandbox-user", "sandbox-password"
CREDENTIALS_HINT = ("set SALESROCKS_USERNAME and SALESROCKS_PASSWORD (or SALESROCKS_TOKEN), "
                    "or pass --sandbox to try the built-in emulator")


def guarded(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run ``handler``; every error becomes one line on stderr and its exit code."""
    from sr_frames.errors import AuthenticationError, MissingCredentialsError, SalesRocksError

    try:
        return handler(args)
    except (AuthenticationError, MissingCredentialsError) as exc:
        return _fail(f"{exc}; {CREDENTIALS_HINT}", EXIT_AUTH)
    except KeyError as exc:  # unknown column: the message lists close matches
        return _fail(exc.args[0] if exc.args else str(exc), EXIT_USAGE)
    except (ValueError, TypeError, OSError) as exc:  # input, output and usage problems
        return _fail(_describe(exc), EXIT_USAGE)
    except SalesRocksError as exc:
        return _fail(str(exc), EXIT_FAILED_ROWS)
    except KeyboardInterrupt:
        print("sr-frames: interrupted; answers received so far are kept in the cache", file=sys.stderr)
        return 130


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)


def _fail(message: str, code: int) -> int:
    print(f"sr-frames: error: {' '.join(str(message).split())}", file=sys.stderr)
    return code


def _say(message: str, args: argparse.Namespace) -> None:
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


@contextlib.contextmanager
def service(use_sandbox: bool) -> Iterator[None]:
    """Point the library at the built-in sandbox for the duration of a command.

    The sandbox gets credentials of its own, never the user's (they stay configured
    for the real service and are restored afterwards), and a cache scope of its own:
    it listens on a new port each time, and every sandbox answers alike, so a re-run
    is answered from the cache.
    """
    if not use_sandbox:
        yield
        return
    from sr_frames import config
    from sr_frames.defaults import SANDBOX_CACHE_SCOPE
    from sr_frames.sandbox import start_sandbox

    server = start_sandbox(port=0)
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


def _output(args: argparse.Namespace) -> Path:
    from sr_frames.files.workbook import default_output_path

    if args.in_place:
        return Path(args.input)
    return Path(args.output) if args.output else default_output_path(args.input)


def write_result(result: Any, frame: Any, args: argparse.Namespace) -> Path:
    """Write the columns the run added or replaced into a copy of the input (or in place)."""
    from sr_frames.files.workbook import write_table

    changed = [c for c in result.columns if c not in frame.columns or not result[c].equals(frame[c])]
    return write_table(result, args.input, _output(args), sheet=args.sheet, columns=changed,
                       in_place=args.in_place, progress=not args.quiet)


def _check_output(args: argparse.Namespace) -> None:
    """A typo in -o must not cost a run: the output is checked before anything is sent."""
    from sr_frames.files.output import check_output

    if not args.dry_run:
        check_output(_output(args), args.input, in_place=args.in_place)


def run_verb(args: argparse.Namespace) -> int:
    """Read, enrich, write; the exit code says whether rows failed."""
    from sr_frames.files.workbook import read_table

    _check_output(args)
    frame = read_table(args.input, sheet=args.sheet, progress=not args.quiet)
    arguments = {name: getattr(args, name) for name in args.verb_arguments}
    arguments = {k: v for k, v in arguments.items() if v is not None and v is not False}
    options = dict(cache=not args.no_cache, refresh=args.refresh, progress=not args.quiet,
                   max_requests=args.max_requests, cache_only=args.offline, prefix=args.prefix,
                   overwrite=args.overwrite)
    with service(args.sandbox):
        if args.dry_run:
            print(frame.salesrocks.estimate(args.verb, **arguments, **options))
            return EXIT_OK
        result = getattr(frame.salesrocks, args.verb)(**arguments, **options)
    report = result.attrs["salesrocks"]
    _say(f"wrote {write_result(result, frame, args)}", args)
    if report.failed:
        errors = ", ".join(c for c in result.columns if c.endswith("_error") and c not in frame.columns)
        failed = ", ".join(f"{reason}: {n}" for reason, n in sorted(report.failed.items()))
        _say(f"some inputs failed ({failed}); each row's reason is in {errors}", args)
        return EXIT_FAILED_ROWS
    return EXIT_OK


def push(args: argparse.Namespace) -> int:
    """Push the file's rows to a list; rows already pushed are not sent again."""
    from sr_frames.files.workbook import read_table
    from sr_frames.lists.push import push_estimate, push_to_list

    _check_output(args)
    frame = read_table(args.input, sheet=args.sheet, progress=not args.quiet)
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    with service(args.sandbox):
        if args.dry_run:
            plan = push_estimate(frame, args.list_id, columns, force=args.force,
                                 max_requests=args.max_requests)
            print(", ".join(f"{k}: {v}" for k, v in plan.items()))
            return EXIT_OK
        result = push_to_list(frame, args.list_id, columns, force=args.force,
                              progress=not args.quiet, max_requests=args.max_requests)
    _say(f"wrote {write_result(result, frame, args)}", args)
    failed = int(result["sr_push_error"].notna().sum())
    if failed:
        _say(f"{failed} rows are not confirmed in the list; see the sr_push_error column", args)
        return EXIT_FAILED_ROWS
    return EXIT_OK


def _emit(frame: Any, output: str | None) -> None:
    """Print ``frame``, or write it to ``output`` (.xlsx or .csv) formula-safe."""
    if output is None:
        print(frame.to_string(index=False) if len(frame) else "(none)")
        return
    from sr_frames.files.saving import save_table

    print(f"wrote {save_table(frame, output)}", file=sys.stderr)


def _check_emit(output: str | None) -> None:
    from sr_frames.files.output import check_output

    if output is not None:
        check_output(output)


def read_list(args: argparse.Namespace) -> int:
    from sr_frames.lists.contacts import read_list as read

    _check_emit(args.output)
    with service(args.sandbox):
        _emit(read(args.list_id), args.output)
    return EXIT_OK


def lists(args: argparse.Namespace) -> int:
    from sr_frames.lists.contacts import get_lists

    _check_emit(args.output)
    with service(args.sandbox):
        _emit(get_lists(), args.output)
    return EXIT_OK


def campaign_stats(args: argparse.Namespace) -> int:
    from sr_frames.lists.campaigns import campaign_stats as stats

    _check_emit(args.output)
    with service(args.sandbox):
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
        return _fail(f"cannot serve on 127.0.0.1:{args.port} ({exc.strerror or exc}); "
                     "pick another port with --port", EXIT_USAGE)
    return EXIT_OK
