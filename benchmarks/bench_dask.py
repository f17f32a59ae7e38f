"""The Dask path against the pandas path on one machine: what ``ddf.salesrocks`` costs.

200,000 rows in 20 partitions carrying 2,000 distinct addresses, against the sandbox in
its own process answering after 20 ms. Each path runs twice on a fresh cache: *cold*
(every distinct address sent) and *warm* (every answer from the cache, so only the
machinery is measured). The Dask path runs on a local cluster of 2 worker processes
with one thread each, started beforehand (its start-up is printed, not counted); the
partitions are built on the workers, as they would be read from files.

Judged: both paths send exactly one request per distinct address and give the same
frame. Printed, not judged: the times and the ratio. On one small machine the Dask
path is expected to be slower: it adds a shuffle to find distinct inputs, moves data
between processes and logs in once per task; it pays when the frame does not fit in
memory or a cluster exists.

Run: ``python benchmarks/bench_dask.py`` (needs ``pip install -e ".[dask]"``)
"""

from __future__ import annotations

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
WORKERS = 2


def lead_partition(number: int) -> pd.DataFrame:
    """One partition of the lead list: every address of the pool, shuffled, with repeats."""
    rng = random.Random(number)
    pool = [f"person{i}@company{i % 53}.com" for i in range(DISTINCT)]
    values = [pool[rng.randrange(DISTINCT)] for _ in range(ROWS_PER_PARTITION)]
    values[: len(pool) // PARTITIONS] = pool[number::PARTITIONS]  # every address somewhere
    return pd.DataFrame({"email": values, "owner": [f"rep{i % 7}" for i in range(len(values))]})


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
            cache_dir: Path) -> tuple[dict[str, Any], int]:
    """Both paths, cold then warm, each on a cache of its own; the times, both results
    and the requests the cold Dask run sent."""
    out: dict[str, Any] = {}
    sr_frames.configure(cache_dir=str(cache_dir / "pandas"))
    for run in ("cold", "warm"):
        out[f"pandas {run}"], out["expected"] = timed(
            f"pandas: df.salesrocks.verify_emails(), {run}",
            lambda: frame.salesrocks.verify_emails(progress=False), control, verdict)
    sr_frames.configure(cache_dir=str(cache_dir / "dask"))  # reaches the workers with the tasks
    before = control.count("verify_email")
    for run in ("cold", "warm"):
        out[f"dask {run}"], out["result"] = timed(
            f"dask: ddf.salesrocks.verify_emails().compute(), {run}",
            lambda: ddf.salesrocks.verify_emails().compute(), control, verdict)
        if run == "cold":
            sent = control.count("verify_email") - before
    return out, sent


def main() -> None:
    import dask.dataframe as dd
    import distributed

    dask_accessor.register()
    verdict = Verdict(f"Dask against pandas: {PARTITIONS * ROWS_PER_PARTITION:,} rows, "
                      f"{DISTINCT:,} distinct addresses, {PARTITIONS} partitions, "
                      f"sandbox latency {LATENCY_MS:g} ms")
    with time_limit(600), sandbox_process(latency_ms=LATENCY_MS) as control, \
            environment(control.url) as cache_dir:
        ddf = dd.from_map(lead_partition, range(PARTITIONS))
        frame = ddf.compute(scheduler="sync")
        with Stopwatch() as start, warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            cluster = distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1,
                                               processes=True, dashboard_address=None,
                                               silence_logs=40)
            client = distributed.Client(cluster)
        verdict.figure(f"local cluster start ({WORKERS} worker processes, not counted)",
                       f"{start.seconds:7.2f} s")
        try:
            times, sent = measure(frame, ddf, control, verdict, cache_dir)
            result, expected = times.pop("result"), times.pop("expected")
        finally:
            client.close()
            cluster.close()
        for run in ("cold", "warm"):
            ratio = times[f"dask {run}"] / times[f"pandas {run}"]
            verdict.figure(f"dask / pandas, {run}", f"{ratio:7.2f}x")
        distinct = len({checks.normalise("email", v) for v in frame["email"]})
        verdict.target("dask: requests per distinct address", f"{sent / distinct:.2f}", "1.00",
                       sent == distinct)
        # pandas infers the dtype of an error column no row filled (object); Dask holds text
        same = result.equals(expected.astype(result.dtypes.to_dict()))
        verdict.target("dask result equals the pandas result, row for row", str(same), "True",
                       same)
    verdict.finish()


if __name__ == "__main__":
    main()
