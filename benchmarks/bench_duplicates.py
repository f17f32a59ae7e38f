"""Duplicates and memory: 1,000,000 rows carrying 10,000 distinct addresses.

Every address appears 100 times, shuffled, in a frame of one text column. The verb
must send exactly one request per distinct address (counted by the sandbox), and the
process may grow, at its peak during the run, by less than 3x the frame's own size
(``df.memory_usage(deep=True).sum()``). Peak growth is measured twice, each run with
an empty cache of its own:

* resident memory (RSS, psutil, sampled every 2 ms from a thread): everything the
  process holds, Arrow buffers, SQLite and the HTTP pool included;
* tracemalloc: Python and NumPy allocations, exact but blind to Arrow's own pool.

The larger of the two is judged.

Then the marginal cost of a duplicate row: with the 10,000 answers cached, the verb
runs over 1,000,000 and over 5,000,000 rows carrying the same addresses (every run
answered from the cache alone, nothing sent), alternately, three times each; the
difference of the median times divided by the 4,000,000 extra rows is what one more
duplicate row costs (factorizing it, pointing it at its slot, one cell per result
column). Target: at most 0.3 us.

Run: ``python benchmarks/bench_duplicates.py``
"""

from __future__ import annotations

import gc
import statistics
import tracemalloc

import numpy as np
import pandas as pd
from common import PeakRSS, Stopwatch, Verdict, environment, fresh_cache, sandbox_process, time_limit

ROWS = 1_000_000
DISTINCT = 10_000
LARGE = 5_000_000
RUNS = 3


def leads(rows: int = ROWS) -> pd.DataFrame:
    addresses = np.array([f"lead{i}@example.com" for i in range(DISTINCT)], dtype=object)
    shuffled = np.random.default_rng(7).permutation(np.tile(addresses, rows // DISTINCT))
    return pd.DataFrame({"email": shuffled})


def cached_run_seconds(frame: pd.DataFrame) -> float:
    """One run answered from the cache alone."""
    with Stopwatch() as watch:
        checked = frame.salesrocks.verify_emails(progress=False, cache_only=True)
    report = checked.attrs["salesrocks"]
    if report.cache_hits != DISTINCT or report.requests_sent or report.unanswered:
        raise SystemExit(f"not every address came from the cache: {report}")
    return watch.seconds


def run(frame: pd.DataFrame) -> pd.DataFrame:
    checked = frame.salesrocks.verify_emails(progress=False)
    report = checked.attrs["salesrocks"]
    if checked["email_status"].isna().any() or report.failed_total:
        raise SystemExit(f"not every row was answered: {report}")
    return checked


def main() -> None:
    verdict = Verdict(f"Duplicates: {ROWS:,} rows carrying {DISTINCT:,} distinct addresses")
    with time_limit(600), sandbox_process() as control, environment(control.url) as cache_dir:
        frame = leads()
        size = int(frame.memory_usage(deep=True).sum())
        verdict.figure("frame's own size (memory_usage deep)", f"{size / 1e6:8.1f} MB "
                       f"({frame['email'].dtype})")

        gc.collect()
        with PeakRSS() as rss, Stopwatch() as watch:
            checked = run(frame)
        sent = control.count("verify_email")
        verdict.figure("run time", f"{watch.seconds:8.2f} s")
        del checked
        gc.collect()

        with fresh_cache(cache_dir, "second"):
            tracemalloc.start()
            run(frame)
            _, traced = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        sent_again = control.count("verify_email") - sent

        del frame
        gc.collect()
        small, large = leads(ROWS), leads(LARGE)
        small_runs, large_runs = [], []
        for _ in range(RUNS):  # alternated, so both see the same state of the machine
            small_runs.append(cached_run_seconds(small))
            large_runs.append(cached_run_seconds(large))
        if control.count("verify_email") != sent + sent_again:
            raise SystemExit("the cached runs sent requests")

    verdict.target("requests sent", f"{sent:,}", f"exactly {DISTINCT:,}", sent == DISTINCT)
    verdict.figure("requests sent by the tracemalloc run", f"{sent_again:8,}")
    verdict.figure("peak RSS growth", f"{rss.growth / 1e6:8.1f} MB ({rss.growth / size:.2f}x)")
    verdict.figure("tracemalloc peak", f"{traced / 1e6:8.1f} MB ({traced / size:.2f}x)")
    growth = max(rss.growth, traced)
    verdict.target("peak growth / frame size", f"{growth / size:.2f}x", "< 3x", growth < 3 * size)
    small_s, large_s = statistics.median(small_runs), statistics.median(large_runs)
    verdict.figure(f"{ROWS:,} rows, all from the cache", f"{small_s:8.2f} s  (runs "
                   + ", ".join(f"{v:.2f}" for v in small_runs) + ")")
    verdict.figure(f"{LARGE:,} rows, all from the cache", f"{large_s:8.2f} s  (runs "
                   + ", ".join(f"{v:.2f}" for v in large_runs) + ")")
    marginal = (large_s - small_s) / (LARGE - ROWS) * 1e6
    verdict.target("marginal cost of a duplicate row", f"{marginal:.3f} us", "<= 0.3 us",
                   marginal <= 0.3)
    verdict.finish()


if __name__ == "__main__":
    main()
