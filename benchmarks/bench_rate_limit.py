"""Rate limit: a service allowing 50 requests/s, answering 429 with ``Retry-After`` beyond.

The sandbox runs ``--rate-limit 50`` (a token bucket: 50 per second, a burst of one
second's worth; past it a 429 with ``Retry-After`` in whole seconds, rounded up). The
verb verifies 1,000 distinct addresses with its default settings (it is not told the
limit), and the sustained rate is answered rows / elapsed time. Measured at sandbox
latency 50 ms (as in the throughput benchmark; the target is judged here) and at
0 ms (printed too). For comparison, the same run with the client told the limit
(``sr_frames.configure(rate_limit=50)``) is printed but not judged.

Target: at least 90 % of 50 requests/s over 1,000 requests, and no failed row.

Run: ``python benchmarks/bench_rate_limit.py``
"""

from __future__ import annotations

import pandas as pd
from common import Stopwatch, Verdict, environment, fresh_cache, sandbox_process, time_limit

import sr_frames
from sr_frames.sandbox import SandboxControl

ROWS = 1_000
LIMIT = 50.0


def run(control: SandboxControl, tag: str, latency_ms: float) -> tuple[float, int, int]:
    """Rows per second, failed rows and 429s of one run over fresh addresses."""
    control.reset()  # counters at zero, and a full bucket to start with
    control.configure(latency_ms=latency_ms, rate_limit=LIMIT)
    leads = pd.DataFrame({"email": [f"{tag}.lead{i}@example.com" for i in range(ROWS)]})
    with Stopwatch() as watch:
        checked = leads.salesrocks.verify_emails(progress=False)
    failed = int(checked["email_status"].isna().sum())
    return ROWS / watch.seconds, failed, control.stats()["rate_limited"]


def main() -> None:
    verdict = Verdict(f"Rate limit: {ROWS:,} addresses, a service allowing {LIMIT:g} requests/s")
    with time_limit(600), sandbox_process(rate_limit=LIMIT) as control, \
            environment(control.url) as cache_dir:
        for latency in (50, 0):
            with fresh_cache(cache_dir, f"defaults-{latency}"):
                rate, failed, limited = run(control, f"d{latency}", latency)
            label = f"latency {latency} ms, default settings"
            verdict.figure(label, f"{rate:6.1f} rows/s, {limited} 429s, {failed} failed")
            if latency == 50:
                verdict.target("share of 50 requests/s (latency 50 ms)", f"{rate / LIMIT:.1%}",
                               ">= 90%", rate >= 0.9 * LIMIT)
                verdict.target("failed rows (latency 50 ms)", str(failed), "0", failed == 0)
            else:
                verdict.figure("  share of 50 requests/s (not judged)", f"{rate / LIMIT:6.1%}")
        sr_frames.configure(rate_limit=LIMIT)
        with fresh_cache(cache_dir, "told"):
            rate, failed, limited = run(control, "told", 50)
        verdict.figure("latency 50 ms, client told rate_limit=50",
                       f"{rate:6.1f} rows/s, {limited} 429s, {failed} failed")
    verdict.finish()


if __name__ == "__main__":
    main()
