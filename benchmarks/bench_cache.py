"""Cache hits: a re-run over 100,000 distinct addresses, every one already cached.

The cache is filled first with one answer per address, written through
``ResponseCache.set`` under the key the engine builds (``ResponseCache.key`` over
``cache_scope(base_url)`` and the normalised body ``{"email": ...}``). Then:

* the verb: ``verify_emails`` over the 100,000 rows, which must send nothing;
* the floor: a bare ``diskcache.Cache.get`` loop over the same keys (no JSON decoding,
  no frame), the least any answer-from-cache can cost;
* for context, not judged: the same loop with ``json.loads`` of each value, since a
  verb has to decode every answer to build its columns.

Each is timed three times, the median kept. Targets: the verb within 2x of the floor,
and under 30 us per row.

Run: ``python benchmarks/bench_cache.py``
"""

from __future__ import annotations

import json
import statistics
import time

import diskcache
import pandas as pd
from common import Stopwatch, Verdict, environment, sandbox_process, time_limit

import sr_frames
from sr_frames.cache.scope import cache_scope
from sr_frames.cache.store import ResponseCache
from sr_frames.endpoints import endpoint

ROWS = 100_000
RUNS = 3


def fill(cache_dir: str, base_url: str, emails: list[str], answer: dict) -> list[str]:
    """Write one answer per address as the engine would; answers the keys."""
    verifier = endpoint("verify_email")
    scope = cache_scope(base_url)
    keys = []
    with ResponseCache(cache_dir) as cache:
        for email in emails:
            key = ResponseCache.key(verifier, {"email": email}, base_url=scope)
            cache.set(verifier, key, {"answer": {**answer, "email": email}})
            keys.append(key)
    return keys


def floor_seconds(cache_dir: str, keys: list[str], decode: bool = False) -> float:
    with diskcache.Cache(cache_dir) as cache, Stopwatch() as watch:
        get = cache.get
        found = [json.loads(get(key)) for key in keys] if decode else [get(key) for key in keys]
    if any(value is None for value in found):
        raise SystemExit("the floor loop missed a key: the cache was not filled as expected")
    return watch.seconds


def verb_seconds(leads: pd.DataFrame) -> float:
    with Stopwatch() as watch:
        checked = leads.salesrocks.verify_emails(progress=False)
    report = checked.attrs["salesrocks"]
    if report.cache_hits != ROWS or report.requests_sent or checked["email_status"].isna().any():
        raise SystemExit(f"not every row came from the cache: {report}")
    return watch.seconds


def main() -> None:
    verdict = Verdict(f"Cache hits: {ROWS:,} distinct addresses, all cached")
    with time_limit(600), sandbox_process() as control, environment(control.url) as cache_dir:
        emails = [f"lead{i}@example.com" for i in range(ROWS)]
        with sr_frames.Client() as client:  # one real answer, as the template of every row
            sample = client.verify_email(emails[0])
        started = time.perf_counter()
        keys = fill(str(cache_dir), control.url, emails, sample)
        verdict.figure("cache filled through ResponseCache.set",
                       f"{time.perf_counter() - started:8.1f} s")
        leads = pd.DataFrame({"email": emails})
        before = control.count("verify_email")
        floors, decoded, verbs = [], [], []
        for _ in range(RUNS):  # alternated, so all see the same state of the machine
            floors.append(floor_seconds(str(cache_dir), keys))
            decoded.append(floor_seconds(str(cache_dir), keys, decode=True))
            verbs.append(verb_seconds(leads))
        if control.count("verify_email") != before:
            raise SystemExit("the verb sent requests although every address was cached")
    floor, verb = statistics.median(floors), statistics.median(verbs)
    with_json = statistics.median(decoded)
    per_row = verb / ROWS * 1e6
    verdict.figure("bare diskcache get loop (the floor)",
                   f"{floor:8.3f} s  ({floor / ROWS * 1e6:.1f} us/row)")
    verdict.figure("get + json.loads loop (not judged)",
                   f"{with_json:8.3f} s  ({with_json / ROWS * 1e6:.1f} us/row)")
    verdict.figure("verify_emails, all from the cache",
                   f"{verb:8.3f} s  ({per_row:.1f} us/row; runs "
                   + ", ".join(f"{v:.2f}" for v in verbs) + ")")
    verdict.target("verb / floor", f"{verb / floor:.2f}x", "<= 2x", verb / floor <= 2.0)
    verdict.figure("verb / (get + json.loads) (not judged)", f"{verb / with_json:8.2f}x")
    verdict.target("time per row", f"{per_row:.1f} us", "< 30 us", per_row < 30.0)
    verdict.finish()


if __name__ == "__main__":
    main()
