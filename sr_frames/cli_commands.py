"""The ``sr-frames`` subcommands that are not enrichment verbs: lists, campaigns,
the cache and the sandbox. Each handler returns an exit code (see :mod:`sr_frames.cli`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["add_other_commands"]

Adder = Callable[[argparse.ArgumentParser], None]


def add_other_commands(subs: Any, run_options: Adder, service_options: Adder) -> None:
    """Register push, read-list, lists, campaign-stats, cache and sandbox."""
    push = subs.add_parser("push", help="add the rows of a file to an editable list (no duplicates)")
    run_options(push)
    push.add_argument("--list-id", required=True, help="the list's id (from create or `sr-frames lists`)")
    push.add_argument("--columns", help="comma-separated columns to send (default: the file's own)")
    push.add_argument("--force", action="store_true", help="push rows already pushed before")
    push.set_defaults(handler=_push)

    read = subs.add_parser("read-list", help="write every contact of a list to a file")
    read.add_argument("list_id")
    read.add_argument("-o", "--output", required=True, help=".xlsx or .csv to write")
    service_options(read)
    read.set_defaults(handler=_read_list)

    lists = subs.add_parser("lists", help="print your editable lists")
    lists.add_argument("-o", "--output", help="write them to a .xlsx or .csv instead")
    service_options(lists)
    lists.set_defaults(handler=_lists)

    stats = subs.add_parser("campaign-stats", help="statistics of drip campaigns")
    stats.add_argument("campaign_ids", nargs="+", type=int, metavar="CAMPAIGN_ID")
    stats.add_argument("-o", "--output", help="write them to a .xlsx or .csv instead")
    service_options(stats)
    stats.set_defaults(handler=_campaign_stats)

    cache = subs.add_parser("cache", help="see or clear the response cache")
    cache.add_argument("action", choices=["info", "clear"])
    cache.add_argument("--endpoint", help="with clear: only this endpoint (e.g. verify_email)")
    cache.set_defaults(handler=_cache)

    sandbox = subs.add_parser("sandbox", help="serve the built-in emulator of the API on 127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument("--latency-ms", type=float, default=0.0, help="delay every answer")
    sandbox.add_argument("--rate-limit", type=float, help="requests/s before answering 429")
    sandbox.add_argument("--token-ttl", type=float, default=3600.0, help="token lifetime in seconds")
    sandbox.add_argument("--password", help="accept only this password (default: any non-empty)")
    sandbox.set_defaults(handler=_sandbox)


def _emit(frame: Any, output: str | None) -> None:
    """Print ``frame``, or write it to ``output`` (.xlsx or .csv) formula-safe."""
    if output is None:
        print(frame.to_string(index=False) if len(frame) else "(none)")
        return
    from .export import save_table

    print(f"wrote {save_table(frame, output)}", file=sys.stderr)


def _push(args: argparse.Namespace) -> int:
    from .cli import EXIT_FAILED_ROWS, EXIT_OK, service, write_result
    from .excel import read_table
    from .push import push_to_list

    frame = read_table(args.input, sheet=args.sheet)
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    with service(args.sandbox):
        result = push_to_list(frame, args.list_id, columns, force=args.force, progress=not args.quiet)
    output = write_result(result, frame, args)
    print(f"wrote {output}", file=sys.stderr)
    failed = int(result["sr_push_error"].notna().sum())
    if failed:
        print(f"{failed} rows not confirmed; see the sr_push_error column", file=sys.stderr)
        return EXIT_FAILED_ROWS
    return EXIT_OK


def _read_list(args: argparse.Namespace) -> int:
    from .cli import service
    from .lists import read_list

    with service(args.sandbox):
        _emit(read_list(args.list_id), args.output)
    return 0


def _lists(args: argparse.Namespace) -> int:
    from .cli import service
    from .lists import get_lists

    with service(args.sandbox):
        _emit(get_lists(), args.output)
    return 0


def _campaign_stats(args: argparse.Namespace) -> int:
    from .cli import EXIT_FAILED_ROWS, service
    from .lists import campaign_stats

    with service(args.sandbox):
        frame = campaign_stats(args.campaign_ids)
    _emit(frame, args.output)
    return EXIT_FAILED_ROWS if "error" in frame and frame["error"].notna().any() else 0


def _cache(args: argparse.Namespace) -> int:
    from .cache import cache_info, clear_cache

    if args.action == "info":
        print(cache_info())
    else:
        removed = clear_cache(args.endpoint)
        print(f"removed {removed} cached answers")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox import serve

    serve(port=args.port, latency_ms=args.latency_ms, rate_limit=args.rate_limit,
          token_ttl=args.token_ttl, password=args.password)
    return 0
