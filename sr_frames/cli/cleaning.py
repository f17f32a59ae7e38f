"""``sr-frames clean`` and ``sr-frames push``: the clean-up from the terminal.

``clean`` writes the cleaned copy beside the input (``leads.cleaned.xlsx``) with a
``Summary`` sheet and a chart of the verdicts added (``--split``: a sheet per
verdict too), and ends with one line on stdout: the counts per verdict. ``push``
takes ``--where column=value[,value]`` and ``--dedupe`` so that a cleaned file's
keep rows go to a list once per person.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sr_frames.cli.commands import (
    EXIT_FAILED_ROWS,
    EXIT_OK,
    check_output,
    options_of,
    preflight,
    say,
    service,
    write_result,
)

__all__ = ["DESCRIPTION", "clean", "push"]

DESCRIPTION = """\
Clean a lead list in one command, paying for each step only where the previous
one came up empty:

  verify        every distinct email
  find          an email from --first, --last and --domain (or --company), once per
                person, only for rows without a deliverable email
  verify_found  each found email not verified yet
  phones        each phone, in its row's country (--country, else the email's or
                domain's country code, else --region)

Every row gets best_email, best_email_source, best_email_status, duplicate_of,
verdict (keep, review, drop) and verdict_reason. keep: a Valid email, not
disposable, not a duplicate. review: Accept All, a full inbox, a low confidence, an
email not verified, or only a valid phone. drop: a duplicate, a disposable address,
or neither a deliverable email nor a valid phone.

The output gets a Summary sheet with a chart of the verdicts; the last line printed
gives the rows per verdict."""


def _clean_arguments(args: argparse.Namespace) -> dict[str, Any]:
    arguments = {name: getattr(args, name) for name in (
        "email", "first", "last", "domain", "company", "phone", "country", "region",
        "min_confidence", "min_found_confidence")}
    if args.steps:
        arguments["steps"] = [s.strip() for s in args.steps.split(",") if s.strip()]
    return arguments


def clean(args: argparse.Namespace) -> int:
    """Clean, write the copy with its Summary (and split) sheets, print the verdicts."""
    from sr_frames.cleanup.waterfall import CleanColumns, check_steps
    from sr_frames.files.workbook import read_table

    frame = read_table(args.input, sheet=args.sheet, progress=not args.quiet)
    arguments = _clean_arguments(args)
    options = options_of(args)
    check_steps(arguments.get("steps"))
    columns = CleanColumns(*(arguments[k] for k in ("email", "first", "last", "domain", "company",
                                                     "phone", "country")))
    columns.checked(frame, check_steps(arguments.get("steps")))
    if not args.dry_run:
        check_output(args, "cleaned")
    with service(args.sandbox):
        if args.dry_run:
            print(frame.salesrocks.estimate("clean", **arguments, **options))
            return EXIT_OK
        if not args.offline:
            preflight()
        result = frame.salesrocks.clean(**arguments, **options)
    report = result.attrs["salesrocks"]
    output = write_result(result, frame, args, suffix="cleaned")
    _add_sheets(result, output, args)
    say(f"wrote {output}", args)
    print(f"{report.rows:,} rows: {report.verdict_line()}")
    if report.failed:
        failed = ", ".join(f"{reason}: {n}" for reason, n in sorted(report.failed.items()))
        say(f"some inputs failed ({failed}); run again to retry them (the answers so far are "
            "cached); each row's reason is in the *_error columns", args)
        return EXIT_FAILED_ROWS
    return EXIT_OK


def _add_sheets(result: Any, output: Path, args: argparse.Namespace) -> None:
    from sr_frames.cleanup.sheets import add_summary_sheet, split_sheets
    from sr_frames.files.saving import save_table

    prefix = args.prefix or ""
    if output.suffix.lower() in (".xlsx", ".xlsm"):
        add_summary_sheet(output, result, prefix=prefix, split=args.split)
        return
    splits = split_sheets(result, prefix + "verdict") if args.split else []
    for sheet in splits:  # CSV: the splits (and the summary) as files beside the output
        frame = _frame_of(sheet.rows)
        save_table(frame, output.with_name(f"{output.stem}.{sheet.name}{output.suffix}"))
    summary = result.salesrocks.summary(prefix=prefix)
    save_table(summary, output.with_name(f"{output.stem}.summary{output.suffix}"))


def _frame_of(rows: list[list[Any]]) -> Any:
    import pandas as pd

    return pd.DataFrame(rows[1:], columns=rows[0], dtype=object)


def push(args: argparse.Namespace) -> int:
    """Push the file's rows (those ``--where`` keeps, each person once with ``--dedupe``)."""
    import pandas as pd

    from sr_frames.cleanup import pushing
    from sr_frames.enrich.columns import text_array
    from sr_frames.files.workbook import read_table
    from sr_frames.lists.push import push_estimate, push_to_list

    frame = read_table(args.input, sheet=args.sheet, progress=not args.quiet)
    if not args.dry_run:
        check_output(args)
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    conditions = pushing.parse_where(args.where)
    selected = pushing.where_mask(frame, conditions)
    reasons: list[str | None] = [None if keep else "not pushed: --where " + " ".join(args.where)
                                 for keep in selected]
    with service(args.sandbox):
        if not args.dry_run:
            preflight(args.list_id)
        if args.dedupe:
            known = [] if args.dry_run else _emails_in_list(args.list_id)
            chosen = frame[selected]
            for position, why in zip(selected.nonzero()[0], pushing.first_of_each_person(
                    chosen, known_emails=known), strict=True):
                if why is not None:
                    reasons[position] = f"not pushed: {why} (--dedupe)"
        sending = pd.Series([r is None for r in reasons], index=frame.index).to_numpy()
        contacts = pushing.contacts(frame[sending])
        if args.dry_run:
            plan = push_estimate(contacts, args.list_id, columns, force=args.force,
                                 max_requests=args.max_requests)
            plan = {"selected": int(sending.sum()), **plan}
            print(", ".join(f"{k}: {v}" for k, v in plan.items()))
            return EXIT_OK
        pushed = push_to_list(contacts, args.list_id, columns, force=args.force,
                              progress=not args.quiet, max_requests=args.max_requests)
    ids: list[Any] = [None] * len(frame)
    errors: list[Any] = list(reasons)
    for position, cid, error in zip(sending.nonzero()[0], pushed["sr_contact_id"],
                                    pushed["sr_push_error"], strict=True):
        ids[position] = cid
        errors[position] = None if pd.isna(error) else error
    result = frame.assign(sr_contact_id=text_array(ids),
                          sr_push_error=text_array(errors))
    say(f"wrote {write_result(result, frame, args)}", args)
    failed = int(pushed["sr_push_error"].notna().sum())
    report = pushed.attrs["salesrocks"]
    left = [e for e in errors if e and e.startswith("not pushed: ")]
    print(f"{report.answered:,} rows added, {report.cache_hits:,} pushed before, "
          f"{len(left):,} left out (--where, --dedupe), {failed:,} failed")
    if failed:
        say(f"{failed} rows are not confirmed in the list; see the sr_push_error column", args)
        return EXIT_FAILED_ROWS
    return EXIT_OK


def _emails_in_list(list_id: str) -> list[str]:
    from sr_frames.lists.contacts import read_list

    contacts = read_list(list_id)
    if "email" not in contacts.columns:
        return []
    return [e for e in contacts["email"].tolist() if isinstance(e, str)]
