"""Overhead: ``verify_emails`` against the client a skilled user writes by hand.

2,000 distinct addresses a run, against a server in another process that answers after
50 ms on average and costs next to nothing per request, so that the client side is what
differs:

* a small Node.js server (``node`` on the PATH; the JavaScript is written to a temporary
  file and binds 127.0.0.1) answering the login and the Email Verifier with answers
  the sandbox would give (``sr_frames.sandbox.answers``), each after a latency drawn
  evenly from 25 to 75 ms, or after exactly 50 ms with ``--fixed-latency``; without
  ``node``, the sandbox itself (``--latency-ms 50``, fixed), which costs more CPU per
  request and shares the cores with the client. The script says which it used.
* hand-written: one aiohttp session (a connector of C connections), a semaphore of C,
  ``asyncio.gather`` over every address, ``json.loads`` of each body and one
  ``pandas.DataFrame`` built from the answers;
* the library: ``df.salesrocks.verify_emails(cache=False)`` at ``max_concurrency=C``,
  and the same with the cache on (a cold run: every answer written to the cache).

For C = 32, 64 and 128 the three are run one after the other in each round, their
order rotating from round to round, so a busy moment of the machine falls on all alike.
Each run's rows per second (wall clock) and CPU seconds per request (this process's
CPU time, every thread: the library's event loop runs in a thread of its own) are
recorded; the ratios printed are the medians over the rounds of each round's own
ratio to the hand-written client.

Targets: throughput at least 0.97x the hand-written client at every C, both with and
without the cache; CPU per request at most 1.2x with ``cache=False``, 1.4x with the
cache on.

Run: ``python benchmarks/bench_overhead.py [rounds] [--fixed-latency]`` (default 15
rounds, about 5 min). Why the latency varies by default: a client's CPU per request
follows how often its event loop wakes, and that follows how its answers bunch up.
Behind a fixed latency, the first C requests, sent at once, come back at once, and the
waves they make last for as long as each client's own CPU takes to smear them out: the
more CPU a client spends per answer, the sooner its waves smear and the more often it
wakes, so a small difference in CPU is amplified, and one run's CPU per request moved by
a fifth either way for every client alike (per-round ratios 0.84x to 1.77x in one run).
A latency that varies, as a real service's does, spreads the answers from the start
for every client alike.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pandas as pd
from common import PASSWORD, USERNAME, Verdict, environment, free_port, sandbox_process, time_limit

import sr_frames
from sr_frames.sandbox import answers

ROWS = 2_000
LATENCY_MS = 50
CONCURRENCY = (32, 64, 128)
ROUNDS = 15
VARIANTS = ("hand-written", "cache=False", "cache on")
TARGETS = {"cache=False": (0.97, 1.2), "cache on": (0.97, 1.4)}  # (throughput >=, CPU <=)

SERVER_JS = r"""
const http = require("http");
const [port, latency, templates, fixed] = [Number(process.argv[2]), Number(process.argv[3]),
                                           JSON.parse(process.argv[4]), process.argv[5] === "fixed"];
const token = JSON.stringify({access_token: "bench." + Buffer.from(JSON.stringify(
  {sub: "bench", exp: Math.floor(Date.now() / 1000) + 86400})).toString("base64url") + ".x",
  token_type: "Bearer", expires_in: 86400});
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    if (req.url === "/auth/accessToken") {
      res.writeHead(200, {"Content-Type": "application/json"});
      return res.end(token);
    }
    if (req.url !== "/toolkit/emailVerifier") {
      res.writeHead(404, {"Content-Type": "application/json"});
      return res.end('{"error": {"status_code": 404, "message": "no such path"}}');
    }
    const email = JSON.parse(Buffer.concat(chunks)).email;
    const answer = Object.assign({}, templates[email.length % templates.length], {email});
    setTimeout(() => {
      res.writeHead(200, {"Content-Type": "application/json"});
      res.end(JSON.stringify(answer));
    }, fixed ? latency : latency * (0.5 + Math.random()));
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, "127.0.0.1", () => console.log("listening"));
"""


@contextlib.contextmanager
def node_server(fixed: bool) -> Iterator[str]:
    """The Node server in a child process; yields its base URL once it listens."""
    templates = [answers.verify_email(e) for e in
                 ("jane.doe@example.com", "nobody@example.com", "info@bigcorp.com")]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="sr-frames-bench-node-") as directory:
        script = Path(directory) / "server.js"
        script.write_text(SERVER_JS)
        child = subprocess.Popen(["node", str(script), str(port), str(LATENCY_MS),
                                  json.dumps(templates), "fixed" if fixed else "varied"],
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None
            if child.stdout.readline().strip() != "listening":
                raise SystemExit("the Node server did not start")
            yield f"http://127.0.0.1:{port}"
        finally:
            child.terminate()
            child.wait(timeout=10)


@contextlib.contextmanager
def server(fixed: bool) -> Iterator[tuple[str, str]]:
    """``(base URL, what it is)``: Node when it is installed, else the sandbox."""
    if shutil.which("node"):
        with node_server(fixed) as url:
            latency = (f"{LATENCY_MS} ms latency" if fixed else
                       f"latency {LATENCY_MS // 2} to {LATENCY_MS * 3 // 2} ms (mean {LATENCY_MS})")
            yield url, f"a Node.js {_node_version()} server, {latency}"
    else:
        with sandbox_process(latency_ms=LATENCY_MS) as control:
            yield control.url, f"the sandbox (no node on the PATH), {LATENCY_MS} ms latency"


def _node_version() -> str:
    return subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()


def hand_written(url: str, emails: list[str], concurrency: int) -> pd.DataFrame:
    """What a skilled user writes: one session, a semaphore, gather, json, one frame."""

    async def go() -> list[dict]:
        semaphore = asyncio.Semaphore(concurrency)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            login = {"username": USERNAME, "password": PASSWORD}
            async with session.post(f"{url}/auth/accessToken", json=login) as answer:
                token = json.loads(await answer.read())["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            verifier = f"{url}/toolkit/emailVerifier"

            async def verify(email: str) -> dict:
                async with semaphore, session.post(verifier, json={"email": email},
                                                   headers=headers) as answer:
                    return json.loads(await answer.read())

            return await asyncio.gather(*(verify(email) for email in emails))

    return pd.DataFrame(asyncio.run(go()))


def library(cache: bool) -> Callable[[str, list[str], int], pd.DataFrame]:
    def run(_url: str, emails: list[str], concurrency: int) -> pd.DataFrame:
        sr_frames.configure(max_concurrency=concurrency)
        leads = pd.DataFrame({"email": emails})
        return leads.salesrocks.verify_emails(cache=cache, progress=False)

    return run


RUNNERS = {"hand-written": hand_written, "cache=False": library(False), "cache on": library(True)}


def measure(variant: str, url: str, concurrency: int, tag: str) -> tuple[float, float]:
    """Rows per second and CPU seconds per request of one run over fresh addresses."""
    emails = [f"{tag}.person{i}@example.com" for i in range(ROWS)]
    cpu, started = time.process_time(), time.perf_counter()
    frame = RUNNERS[variant](url, emails, concurrency)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    status = frame["status"] if variant == "hand-written" else frame["email_status"]
    if len(frame) != ROWS or status.isna().any():
        raise SystemExit(f"{variant} at C={concurrency}: {status.isna().sum()} rows unanswered")
    if variant != "hand-written" and frame.attrs["salesrocks"].requests_sent != ROWS:
        raise SystemExit(f"{variant} at C={concurrency}: {frame.attrs['salesrocks']}")
    return ROWS / wall, cpu / ROWS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rounds", nargs="?", type=int, default=ROUNDS,
                        help=f"rounds of every C and variant (default {ROUNDS})")
    parser.add_argument("--fixed-latency", action="store_true",
                        help=f"answer after exactly {LATENCY_MS} ms (default: 25 to 75 ms)")
    options = parser.parse_args()
    rounds = options.rounds
    with time_limit(1200), server(options.fixed_latency) as (url, what), environment(url):
        verdict = Verdict(f"Overhead: {ROWS:,} distinct addresses a run, {rounds} rounds, "
                          f"against {what}")
        rates: dict[tuple[int, str], list[float]] = {}
        cpus: dict[tuple[int, str], list[float]] = {}
        for variant in VARIANTS:  # a warm-up: imports, the login, the first cache file
            measure(variant, url, 32, f"warm{VARIANTS.index(variant)}")
        for round_ in range(rounds):
            for concurrency in CONCURRENCY:
                order = VARIANTS[round_ % 3:] + VARIANTS[:round_ % 3]
                for variant in order:
                    tag = f"r{round_}c{concurrency}v{VARIANTS.index(variant)}"
                    rate, cpu = measure(variant, url, concurrency, tag)
                    rates.setdefault((concurrency, variant), []).append(rate)
                    cpus.setdefault((concurrency, variant), []).append(cpu)
    for concurrency in CONCURRENCY:
        hand_rates, hand_cpus = rates[concurrency, "hand-written"], cpus[concurrency, "hand-written"]
        verdict.figure(f"C={concurrency}: hand-written aiohttp",
                       f"{statistics.median(hand_rates):7.0f} rows/s, "
                       f"{statistics.median(hand_cpus) * 1e6:5.0f} us CPU/request")
        for variant, (least_rate, most_cpu) in TARGETS.items():
            rate_ratios = [r / h for r, h in zip(rates[concurrency, variant], hand_rates, strict=True)]
            cpu_ratios = [c / h for c, h in zip(cpus[concurrency, variant], hand_cpus, strict=True)]
            rate_ratio, cpu_ratio = statistics.median(rate_ratios), statistics.median(cpu_ratios)
            verdict.figure(f"C={concurrency}: verify_emails({variant})",
                           f"{statistics.median(rates[concurrency, variant]):7.0f} rows/s, "
                           f"{statistics.median(cpus[concurrency, variant]) * 1e6:5.0f} us CPU/request")
            verdict.target(f"C={concurrency} {variant}: throughput ratio",
                           f"{rate_ratio:.3f}x [{min(rate_ratios):.2f}-{max(rate_ratios):.2f}]",
                           f">= {least_rate}x", rate_ratio >= least_rate)
            verdict.target(f"C={concurrency} {variant}: CPU/request ratio",
                           f"{cpu_ratio:.3f}x [{min(cpu_ratios):.2f}-{max(cpu_ratios):.2f}]",
                           f"<= {most_cpu}x", cpu_ratio <= most_cpu)
    verdict.finish()


if __name__ == "__main__":
    main()
