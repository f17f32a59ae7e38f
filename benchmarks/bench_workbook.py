"""Workbook and CSV files at size: 100,000 rows, 12 input and 12 result columns.

Each measurement runs in a child process of its own, so its peak resident memory
(psutil, sampled every 2 ms, above the child's memory before the step) is its own:

* read:  ``sr_frames.read_table`` against ``pandas.read_excel`` (its default engine,
  openpyxl; its calamine engine is printed too, for comparison: it gives raw values,
  not the text a user sees);
* write: ``sr_frames.write_table`` (12 result columns into a copy of the workbook),
  twice: after a ``read_table`` of the same file in the process, as the CLI and a
  notebook do (it then reuses where that read found the table), and *cold*, with
  that forgotten, so it reads the sheet again itself. Both are judged, against the
  same results written the way the library did before (openpyxl: the
  sheet read, the workbook loaded for editing, cells set, saved) and against an
  openpyxl write-only dump of the same 24-column frame (what a user would do to get
  the frame into a new .xlsx quickly);
* CSV:   ``read_table`` against ``pandas.read_csv``, ``write_table`` against
  ``DataFrame.to_csv`` of the same 24-column frame.

The result columns have the dtypes the verbs give (categoricals of labels, nullable
integers, shared lists, a mostly empty string column), made here without the service:
what is measured is the file work a run with a warm cache spends its time on.

Targets: write at least 10x faster than before and no slower than the openpyxl dump;
read no slower than ``pandas.read_excel``; peak memory growth under 3x the frame;
CSV write within 2x ``to_csv``. Exit 1 when one is missed.

Run: ``python benchmarks/bench_workbook.py`` (about 10 minutes, most of it the openpyxl
baselines; ``--rows 20000`` for a
quick look).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import PeakRSS, Verdict, time_limit

INPUT = ["lead_id", "first_name", "last_name", "company", "domain", "email", "phone", "linkedin",
         "company_linkedin", "postal_code", "stage", "score"]
STATUS = ["Valid", "Invalid", "Accept All"]


def make_workbook(path: Path, rows: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Leads")
    bold, padded = book.add_format({"bold": True}), book.add_format({"num_format": "00000"})
    sheet.write_row(0, 0, INPUT, bold)
    rng = np.random.default_rng(7)
    stages = ["New", "Contacted", "Qualified", "Won", "Lost"]
    for i in range(rows):
        first, last = f"First{i % 997}", f"Last{i % 1009}"
        company = f"Company {i % 5003}"
        domain = f"company{i % 5003}.example"
        sheet.write_string(i + 1, 0, f"{i:06d}")
        sheet.write_string(i + 1, 1, first)
        sheet.write_string(i + 1, 2, last)
        sheet.write_string(i + 1, 3, company)
        sheet.write_string(i + 1, 4, domain)
        sheet.write_string(i + 1, 5, f"{first}.{last}{i}@{domain}".lower())
        sheet.write_string(i + 1, 6, f"+44 20 7946 {i % 10000:04d}")
        sheet.write_string(i + 1, 7, f"{first}-{last}-{i}".lower())
        sheet.write_string(i + 1, 8, f"company{i % 5003}")
        sheet.write_number(i + 1, 9, int(rng.integers(1000, 99999)), padded)
        sheet.write_string(i + 1, 10, stages[i % 5])
        sheet.write_number(i + 1, 11, int(rng.integers(0, 100)))
    book.close()


def results(frame: pd.DataFrame) -> pd.DataFrame:
    """Twelve result columns with the dtypes verify_emails gives."""
    n = len(frame)
    rng = np.random.default_rng(11)
    def labels(words: list[str]) -> pd.Categorical:
        return pd.Categorical.from_codes(rng.integers(0, len(words), n), categories=sorted(words))
    mx = [["mx1.example.net", "mx2.example.net"], ["aspmx.l.google.com"], ["mx.b.example"]]
    error = pd.array([None] * n, dtype="string")
    error[::97] = "server_error: HTTP 503"
    return frame.assign(
        email_status=labels(STATUS),
        email_confidence_score=pd.array(rng.integers(0, 100, n), dtype="Int64"),
        email_confidence_description=labels(["Valid", "Invalid", "Valid with full inbox"]),
        email_format=labels(["Correct", "Incorrect"]),
        email_type=labels(["Professional", "Webmail"]),
        email_disposable=labels(["No", "Yes"]),
        email_top_level_domain=labels(["Yes", "No"]),
        email_provider=labels(["Google", "Microsoft", "Other"]),
        email_mx_records=pd.Series([mx[i % 3] for i in range(n)], index=frame.index, dtype=object),
        email_full_inbox=labels(["Full", "Not full"]),
        email_message=labels(["Mailbox exists.", "Mailbox does not exist."]),
        email_error=pd.Series(error, index=frame.index),
    )


def size_of(frame: pd.DataFrame) -> int:
    return int(frame.memory_usage(deep=True).sum())


def previous_write(frame: pd.DataFrame, source: Path, output: Path) -> None:
    """What write_table did before: openpyxl reads the sheet, loads the workbook for
    editing, sets every result cell, saves the whole workbook again."""
    import openpyxl

    from sr_frames.files.saving import put_cell

    book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    _ = [[c.value for c in row] for row in book.active.iter_rows()]
    book.close()
    book = openpyxl.load_workbook(source)
    sheet = book.active
    start = len(INPUT) + 1
    labels = [c for c in frame.columns if c not in INPUT]
    for j, label in enumerate(labels):
        put_cell(sheet.cell(1, start + j), label)
        for i, value in enumerate(frame[label].tolist()):
            put_cell(sheet.cell(i + 2, start + j), value)
    book.save(output)


def openpyxl_dump(frame: pd.DataFrame, output: Path) -> None:
    import openpyxl

    from sr_frames.files.grid import to_cell_value

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Leads")
    sheet.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        sheet.append([to_cell_value(v) for v in row])
    book.save(output)


def step(name: str, folder: Path) -> dict[str, float]:
    """One measurement, in this (child) process."""
    import sr_frames

    xlsx, csv = folder / "leads.xlsx", folder / "leads.csv"
    prepared = None
    if name.startswith("write") or name in ("dump", "previous", "to_csv"):
        source = csv if name in ("write_csv", "to_csv") else xlsx
        prepared = results(sr_frames.read_table(source, progress=False))
    out = folder / f"out-{name}{'.csv' if 'csv' in name else '.xlsx'}"
    frame = None
    with PeakRSS() as memory:
        started = time.perf_counter()
        if name == "read":
            frame = sr_frames.read_table(xlsx, progress=False)
        elif name == "read_excel":  # its default engine today, named to silence its notice
            frame = pd.read_excel(xlsx, dtype=str, engine="openpyxl")
        elif name == "read_excel_calamine":
            frame = pd.read_excel(xlsx, dtype=str, engine="calamine")
        elif name == "read_csv_ours":
            frame = sr_frames.read_table(csv, progress=False)
        elif name == "read_csv":
            frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        elif name == "write":
            sr_frames.write_table(prepared, xlsx, out, progress=False)
        elif name == "write_cold":
            from sr_frames.files.sheet_layout import forget_layouts

            forget_layouts()
            sr_frames.write_table(prepared, xlsx, out, progress=False)
        elif name == "previous":
            previous_write(prepared, xlsx, out)
        elif name == "dump":
            openpyxl_dump(prepared, out)
        elif name == "write_csv":
            sr_frames.write_table(prepared, csv, out, progress=False)
        elif name == "to_csv":
            prepared.to_csv(out, index=False)
        seconds = time.perf_counter() - started
    held = frame if frame is not None else prepared
    return {"seconds": seconds, "growth": memory.growth, "frame": size_of(held)}


def measure(name: str, folder: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--step", name, "--folder", str(folder)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"step {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--step")
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(args.step, Path(args.folder))))
        return
    verdict = Verdict(f"workbooks and CSV: {args.rows:,} rows, {len(INPUT)} input + 12 result columns")
    with time_limit(1800), tempfile.TemporaryDirectory(prefix="sr-frames-bench-") as name:
        folder = Path(name)
        make_workbook(folder / "leads.xlsx", args.rows)
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        import sr_frames

        sr_frames.read_table(folder / "leads.xlsx", progress=False).to_csv(folder / "leads.csv", index=False)
        m = {step_name: measure(step_name, folder) for step_name in (
            "read", "read_excel", "read_excel_calamine", "write", "write_cold", "dump", "previous",
            "read_csv_ours", "read_csv", "write_csv", "to_csv")}
    mb = 1 << 20
    for key, label in [("read", "read_table .xlsx"), ("read_excel", "pandas.read_excel"),
                       ("read_excel_calamine", "pandas.read_excel(engine='calamine')"),
                       ("write", "write_table .xlsx, after read_table"),
                       ("write_cold", "write_table .xlsx, cold"), ("dump", "openpyxl write-only dump"),
                       ("previous", "write_table before (openpyxl load/save)"),
                       ("read_csv_ours", "read_table .csv"), ("read_csv", "pandas.read_csv"),
                       ("write_csv", "write_table .csv"), ("to_csv", "DataFrame.to_csv")]:
        r = m[key]
        verdict.figure(label, f"{r['seconds']:7.2f} s, peak +{r['growth'] / mb:6.1f} MB "
                              f"(frame {r['frame'] / mb:.1f} MB)")
    def ratio(a: str, b: str) -> float:
        return m[a]["seconds"] / m[b]["seconds"]
    for key, how in (("write", "after read_table"), ("write_cold", "cold")):
        speedup = ratio("previous", key)
        verdict.target(f"write ({how}): speed-up over before", f"{speedup:.1f}x", ">= 10x", speedup >= 10)
        verdict.target(f"write ({how}) vs openpyxl write-only dump", f"{ratio(key, 'dump'):.2f}x",
                       "<= 1x", ratio(key, "dump") <= 1)
    verdict.target("read vs pandas.read_excel", f"{ratio('read', 'read_excel'):.2f}x", "<= 1x",
                   ratio("read", "read_excel") <= 1)
    for key in ("read", "write", "write_cold", "read_csv_ours", "write_csv"):
        growth = m[key]["growth"] / m[key]["frame"]
        verdict.target(f"{key}: peak memory growth / frame", f"{growth:.2f}x", "< 3x", growth < 3)
    verdict.target("CSV write vs to_csv", f"{ratio('write_csv', 'to_csv'):.2f}x", "<= 2x",
                   ratio("write_csv", "to_csv") <= 2)
    verdict.figure("read vs read_excel(engine='calamine')", f"{ratio('read', 'read_excel_calamine'):.2f}x")
    verdict.figure("CSV read vs pandas.read_csv", f"{ratio('read_csv_ours', 'read_csv'):.2f}x")
    verdict.finish()


if __name__ == "__main__":
    main()
