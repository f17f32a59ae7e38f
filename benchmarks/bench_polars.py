"""Polars against pandas: 1,000,000 rows carrying 10,000 distinct addresses, warm cache.

The same shuffled addresses (each 100 times) in a one-column CSV file, read by
``pl.read_csv`` for ``df.salesrocks.verify_emails()`` on Polars and by ``pd.read_csv``
for the pandas verb, as a user of either library would. The cache already holds every answer, as on
a re-run, so what is measured is the face itself: finding the distinct inputs, reading
the cache, building the result columns and putting them on a million rows.

Each measurement runs in a fresh child process (so one library's allocations do not
linger in the other's figures), seven times each, alternating: the verb's wall time,
and its peak resident memory growth (RSS, sampled every 2 ms from a thread; the only
measure that sees Polars' own allocator, which tracemalloc cannot). The medians are
judged: the Polars verb no slower and using no more memory than the pandas verb, each
ratio the median of the rounds' own ratios (a Polars run and a pandas run next to each
other see the same load). The peak is split into the result columns (the required
dtypes' representation: ``List(String)`` holds every row's list, ``pl.Categorical`` a
4-byte code per row, where pandas shares one list per distinct answer and picks 1-byte
codes) and the rest (the face's and the engine's working memory), so a miss says which.
For scale, the round trip users make today (``pl.from_pandas(df.to_pandas()...)``) is
measured too.

Run: ``python benchmarks/bench_polars.py`` (about two minutes).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from common import Verdict, environment, sandbox_process, time_limit

ROWS = 1_000_000
DISTINCT = 10_000
RUNS = 7
HERE = Path(__file__).resolve().parent

CHILD = """
import gc, json, sys, time
sys.path.insert(0, {here!r})
import numpy as np
import pandas as pd
import polars as pl
import sr_frames
from bench_duplicates import PeakRSS


face = {face!r}
frame = pd.read_csv({csv!r}) if face == "pandas" else pl.read_csv({csv!r})
gc.collect()
with PeakRSS() as rss:
    started = time.perf_counter()
    if face == "roundtrip":
        checked = pl.from_pandas(frame.to_pandas().salesrocks.verify_emails(progress=False))
    else:
        checked = frame.salesrocks.verify_emails(progress=False)
    seconds = time.perf_counter() - started
report = sr_frames.last_report()
added = [c for c in checked.columns if c not in frame.columns]
if face == "pandas":
    # pandas shares one Python list per distinct answer: its pointers per row, and each
    # distinct list (and its strings) once
    size = int(checked[added].memory_usage(deep=False).sum())
    for name in added:
        if checked[name].dtype == object:
            shared = {{id(v): v for v in checked[name].array if isinstance(v, list)}}
            size += sum(sys.getsizeof(v) + sum(map(sys.getsizeof, v)) for v in shared.values())
else:
    size = sum(checked[name].estimated_size() for name in added)
statuses = checked["email_status"]
missing = int(statuses.null_count() if face != "pandas" else statuses.isna().sum())
print(json.dumps({{"seconds": seconds, "growth": rss.growth, "sent": report.requests_sent,
                  "hits": report.cache_hits, "missing": missing, "columns": size,
                  "dtype": str(statuses.dtype)}}))
"""


def measure(face: str, csv: Path) -> dict:
    code = CHILD.format(here=str(HERE), face=face, csv=str(csv))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ))
    if done.returncode != 0:
        raise SystemExit(f"the {face} run failed:\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["sent"] or figures["hits"] != DISTINCT or figures["missing"]:
        raise SystemExit(f"the {face} run was not a warm-cache run answering every row: {figures}")
    return figures


def leads_csv(directory: Path) -> Path:
    """The leads as a CSV file, read by each child with its own library's ``read_csv``."""
    addresses = np.array([f"lead{i}@example.com" for i in range(DISTINCT)], dtype=object)
    rows = np.random.default_rng(7).permutation(np.tile(addresses, ROWS // DISTINCT))
    path = directory / "leads.csv"
    pd.DataFrame({"email": rows}).to_csv(path, index=False)
    return path


def fill_cache() -> None:
    addresses = [f"lead{i}@example.com" for i in range(DISTINCT)]
    pd.DataFrame({"email": np.array(addresses, dtype=object)}).salesrocks.verify_emails(progress=False)


def main() -> None:
    verdict = Verdict(f"Polars: {ROWS:,} rows carrying {DISTINCT:,} distinct addresses, warm cache")
    with time_limit(900), sandbox_process() as control, environment(control.url) as cache_dir:
        csv = leads_csv(cache_dir.parent)
        fill_cache()
        filled = control.count("verify_email")
        runs: dict[str, list[dict]] = {"polars": [], "pandas": [], "roundtrip": []}
        for _ in range(RUNS):
            for face in runs:
                runs[face].append(measure(face, csv))
        sent = control.count("verify_email") - filled

    def median(face: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[face])

    for face, label in (("polars", "Polars verb (pl.DataFrame)"), ("pandas", "pandas verb (pd.DataFrame)"),
                        ("roundtrip", "round trip pl -> pandas verb -> pl")):
        times = ", ".join(f"{r['seconds']:.2f}" for r in runs[face])
        growth = ", ".join(f"{r['growth'] / 1e6:.0f}" for r in runs[face])
        verdict.figure(f"{label}: time s", f"{times}  (median {median(face, 'seconds'):.2f})")
        verdict.figure(f"{label}: peak RSS growth MB",
                       f"{growth}  (median {median(face, 'growth') / 1e6:.0f})")
    dtypes = runs["polars"][0]["dtype"], runs["pandas"][0]["dtype"]
    verdict.figure("label dtypes", f"Polars {dtypes[0]}, pandas {dtypes[1]}")
    verdict.figure("requests sent by the measured runs", f"{sent}")
    # rounds are pairs (the same moment of a shared machine): the ratio of each pair,
    # then the median of the ratios; their spread says how noisy the machine was
    speeds = [b["seconds"] / a["seconds"] for a, b in zip(runs["polars"], runs["pandas"], strict=True)]
    memories = [a["growth"] / b["growth"] for a, b in zip(runs["polars"], runs["pandas"], strict=True)]
    speed, memory = statistics.median(speeds), statistics.median(memories)
    verdict.figure("time pandas / Polars per round",
                   f"{', '.join(f'{r:.2f}' for r in speeds)}  (spread {min(speeds):.2f} to "
                   f"{max(speeds):.2f})")
    verdict.figure("memory Polars / pandas per round",
                   f"{', '.join(f'{r:.2f}' for r in memories)}  (spread {min(memories):.2f} to "
                   f"{max(memories):.2f})")
    # where the memory goes: the result columns themselves (their representation, fixed
    # by the required dtypes) and everything else the run held at its peak
    columns = {face: median(face, "columns") for face in ("polars", "pandas")}
    representation = columns["polars"] - columns["pandas"]
    for face in ("polars", "pandas"):
        verdict.figure(f"{face}: result columns MB / rest of the peak MB",
                       f"{columns[face] / 1e6:.0f} / {(median(face, 'growth') - columns[face]) / 1e6:.0f}")
    verdict.figure("representation's share (Polars result columns - pandas result columns) MB",
                   f"{representation / 1e6:.0f}")
    verdict.figure("the face's own peak (Polars peak - representation's share) / pandas peak",
                   f"{(median('polars', 'growth') - representation) / median('pandas', 'growth'):.2f}x")
    verdict.target("time: pandas / Polars", f"{speed:.2f}x", ">= 1x (no slower)", speed >= 1.0)
    verdict.target("peak memory: Polars / pandas", f"{memory:.2f}x", "<= 1x (no more)", memory <= 1.0)
    verdict.target("requests sent on a warm cache", f"{sent}", "0", sent == 0)
    verdict.finish()


if __name__ == "__main__":
    main()
