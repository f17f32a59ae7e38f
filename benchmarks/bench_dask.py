"""The Dask path on a distributed cluster: one rate limit for every worker, and its cost.

A local cluster of 4 worker processes with one thread each (the distributed scheduler,
so the workers share limits through the cluster's coordinator and the cache through
this process), started beforehand (its start-up is printed, not counted), against the
sandbox in its own process. The partitions are built on the workers, as they would be
read from files.

1. *One limit for the cluster*: ``rate_limit=50`` and 500 distinct addresses, on an
   empty cache. Judged from the sandbox's own log of arrival times: the sending takes
   at least 9 s (500 / 50 = 10 s) and no one-second window holds more than 51 requests
   (what one client alone would send at that limit), where four workers each keeping
   the limit alone would send 200 a second.
2. *What the Dask path costs*: 200,000 rows in 20 partitions carrying 2,000 distinct
   addresses, the sandbox answering after 20 ms, no rate limit. Each path runs twice on
   a fresh cache: *cold* (every distinct address sent) and *warm* (every answer from
   the cache, so only the machinery is measured). Judged: both paths send exactly one
   request per distinct address, the warm Dask run sends nothing, and both give the
   same frame. Printed, not judged: the times and the ratio. On one small machine the
   Dask path is expected to be slower: it adds a shuffle to find distinct inputs, moves
   data between processes and asks this process for cached answers; it pays when the
   frame does not fit in memory or a cluster exists.

Run: ``python benchmarks/bench_dask.py`` (needs ``pip install -e ".[dask]"``)
"""

from __future__ import annotations

import bisect
import random
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from common import Stopwatch, Verdict, environment, sandbox_process, time_limit

import sr_frames
from sr_frames import checks
from sr_frames.dask import accessor as dask_accessor
from sr_frames.sandbox import SandboxControl

PARTITIONS = 20
ROWS_PER_PARTITION = 10_000
DISTINCT = 2_000
LATENCY_MS = 20.0
WORKERS = 4
RATE = 50.0
RATED_INPUTS = 500
RATED_PARTITIONS = 10


def lead_partition(number: int) -> pd.DataFrame:
    """One partition of the lead list: every address of the pool, shuffled, with repeats."""
    rng = random.Random(number)
    pool = [f"person{i}@company{i % 53}.com" for i in range(DISTINCT)]
    values = [pool[rng.randrange(DISTINCT)] for _ in range(ROWS_PER_PARTITION)]
    values[: len(pool) // PARTITIONS] = pool[number::PARTITIONS]  # every address somewhere
    return pd.DataFrame({"email": values, "owner": [f"rep{i % 7}" for i in range(len(values))]})


def rated_partition(number: int) -> pd.DataFrame:
    """One partition of the rate-limited run: its share of the distinct addresses."""
    share = RATED_INPUTS // RATED_PARTITIONS
    return pd.DataFrame({"email": [f"lead{number * share + i}@rated{i % 11}.com"
                                   for i in range(share)]})


def busiest_second(arrivals: list[float]) -> int:
    """The most arrivals in any one-second window."""
    times = sorted(arrivals)
    return max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


def one_limit(control: SandboxControl, verdict: Verdict, cache_dir: Path) -> None:
    """Part 1: the whole cluster keeps to one rate limit, as the sandbox sees it."""
    import dask.dataframe as dd

    sr_frames.configure(cache_dir=str(cache_dir / "rated"), rate_limit=RATE)
    control.configure(latency_ms=LATENCY_MS, rate_limit=RATE)
    before = len(control.requests("verify_email"))
    try:
        with Stopwatch() as watch:
            dd.from_map(rated_partition, range(RATED_PARTITIONS)).salesrocks.verify_emails().compute()
    finally:
        sr_frames.configure(rate_limit=None)
        control.configure(rate_limit=None)
    arrivals = [r["t"] for r in control.requests("verify_email")[before:]]
    sending = max(arrivals) - min(arrivals) if arrivals else 0.0
    busiest = busiest_second(arrivals)
    verdict.figure(f"rate_limit={RATE:g}: {RATED_INPUTS} distinct addresses, {WORKERS} workers",
                   f"{watch.seconds:7.2f} s  ({len(arrivals):,} requests)")
    verdict.target("requests per distinct address (rate limited)",
                   f"{len(arrivals) / RATED_INPUTS:.2f}", "1.00", len(arrivals) == RATED_INPUTS)
    verdict.target("sending time, first to last arrival", f"{sending:.2f} s", ">= 9 s",
                   sending >= 9.0)
    verdict.target("most requests the sandbox saw in one second", f"{busiest}",
                   f"<= {RATE + 1:g} ({busiest / RATE:.2f}x the limit)", busiest <= RATE + 1)


def timed(label: str, run: Callable[[], pd.DataFrame], control: SandboxControl,
          verdict: Verdict) -> tuple[float, pd.DataFrame]:
    """Run ``run`` once; print its time and the requests it sent."""
    before = control.count("verify_email")
    with Stopwatch() as watch:
        result = run()
    sent = control.count("verify_email") - before
    verdict.figure(label, f"{watch.seconds:7.2f} s  ({sent:,} requests)")
    return watch.seconds, result


def measure(frame: pd.DataFrame, ddf: Any, control: SandboxControl, verdict: Verdict,
            cache_dir: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """Both paths, cold then warm, each on a cache of its own; the times, both results
    and the requests the cold Dask run sent."""
    out: dict[str, Any] = {}
    sr_frames.configure(cache_dir=str(cache_dir / "pandas"))
    for run in ("cold", "warm"):
        out[f"pandas {run}"], out["expected"] = timed(
            f"pandas: df.salesrocks.verify_emails(), {run}",
            lambda: frame.salesrocks.verify_emails(progress=False), control, verdict)
    sr_frames.configure(cache_dir=str(cache_dir / "dask"))  # this process's: the workers ask it
    sent = {}
    for run in ("cold", "warm"):
        before = control.count("verify_email")
        out[f"dask {run}"], out["result"] = timed(
            f"dask: ddf.salesrocks.verify_emails().compute(), {run}",
            lambda: ddf.salesrocks.verify_emails().compute(), control, verdict)
        sent[run] = control.count("verify_email") - before
    return out, sent


def main() -> None:
    import dask.dataframe as dd
    import distributed

    dask_accessor.register()
    verdict = Verdict(f"Dask on a local distributed cluster of {WORKERS} workers: one rate limit "
                      f"for all; then {PARTITIONS * ROWS_PER_PARTITION:,} rows, "
                      f"{DISTINCT:,} distinct addresses, {PARTITIONS} partitions, "
                      f"sandbox latency {LATENCY_MS:g} ms, against pandas")
    with time_limit(600), sandbox_process(latency_ms=LATENCY_MS) as control, \
            environment(control.url) as cache_dir:
        ddf = dd.from_map(lead_partition, range(PARTITIONS))
        frame = ddf.compute(scheduler="sync")
        with Stopwatch() as start, warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            cluster = distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1,
                                               processes=True, dashboard_address="127.0.0.1:0",
                                               silence_logs=40)
            client = distributed.Client(cluster)
        verdict.figure(f"local cluster start ({WORKERS} worker processes, not counted)",
                       f"{start.seconds:7.2f} s")
        try:
            one_limit(control, verdict, cache_dir)
            control.configure(latency_ms=LATENCY_MS)
            times, sent = measure(frame, ddf, control, verdict, cache_dir)
            result, expected = times.pop("result"), times.pop("expected")
        finally:
            client.close()
            cluster.close()
        for run in ("cold", "warm"):
            ratio = times[f"dask {run}"] / times[f"pandas {run}"]
            verdict.figure(f"dask / pandas, {run}", f"{ratio:7.2f}x")
        distinct = len({checks.normalise("email", v) for v in frame["email"]})
        verdict.target("dask: requests per distinct address", f"{sent['cold'] / distinct:.2f}",
                       "1.00", sent["cold"] == distinct)
        verdict.target("dask: requests sent by the warm run", f"{sent['warm']}", "0",
                       sent["warm"] == 0)
        # pandas infers the dtype of an error column no row filled (object); Dask holds text
        same = result.equals(expected.astype(result.dtypes.to_dict()))
        if not same:
            expected = expected.astype(result.dtypes.to_dict())
            differ = [c for c in result.columns if not result[c].equals(expected[c])]
            verdict.figure("columns that differ", ", ".join(map(str, differ)) or "(index)")
        verdict.target("dask result equals the pandas result, row for row", str(same), "True",
                       same)
    verdict.finish()


if __name__ == "__main__":
    main()
