"""Start-up: what ``import sr_frames`` costs over ``import pandas``, and how long
``sr-frames --help`` takes.

Each is a fresh Python process (the interpreter's own start-up included), run in
rounds that interleave the commands, so a busy moment of the machine falls on all of
them alike:

* ``python -c "import pandas"``: what any pandas user pays anyway;
* ``import pandas, sr_frames`` and a first ``df.salesrocks``: what a notebook pays
  before its first verb (the accessor module loads on that first use; aiohttp,
  openpyxl, phonenumbers, email_validator still wait for a verb that needs them);
* ``python -c "import sr_frames"`` alone, which imports no pandas (not judged);
* ``sr-frames --help``, run as the console script runs it.

The ratio is the median over the rounds of each round's own ratio, in CPU seconds of
the child process (what the import costs; less disturbed by other processes than the
wall clock) and, for context, in wall seconds. ``--help`` is judged on its best wall
time (the machine at its quietest), its median printed beside it.

Targets: pandas with ``sr_frames`` ready within 1.15x ``import pandas``;
``sr-frames --help`` under 0.6 s.

Run: ``python benchmarks/bench_startup.py [rounds]`` (default 15)
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time

from common import Verdict, child_environment, time_limit

ROUNDS = 15
READY = "import pandas, sr_frames, first df.salesrocks"
COMMANDS = {
    "python (bare)": ["-c", "pass"],
    "import pandas": ["-c", "import pandas"],
    READY: ["-c", "import pandas, sr_frames; pandas.DataFrame().salesrocks"],
    "import sr_frames alone": ["-c", "import sr_frames"],
    "sr-frames --help": ["-c", "import sys; from sr_frames.cli import main; "
                         "sys.argv[0] = 'sr-frames'; sys.exit(main())", "--help"],
}


def timed(arguments: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one child Python."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, *arguments], env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    env = child_environment()
    verdict = Verdict(f"Start-up: fresh processes, {rounds} interleaved rounds")
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    with time_limit(600):
        for arguments in COMMANDS.values():  # warm the file cache and .pyc files
            timed(arguments, env)
        for _ in range(rounds):
            for name, arguments in COMMANDS.items():
                wall, cpu = timed(arguments, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
    for name in COMMANDS:
        verdict.figure(name, f"wall median {statistics.median(walls[name]):.3f} s, best "
                       f"{min(walls[name]):.3f} s; CPU median {statistics.median(cpus[name]):.3f} s")
    cpu_ratio = statistics.median(s / p for s, p in zip(cpus[READY], cpus["import pandas"],
                                                        strict=True))
    wall_ratio = statistics.median(s / p for s, p in zip(walls[READY],
                                                         walls["import pandas"], strict=True))
    spread = sorted(s / p for s, p in zip(cpus[READY], cpus["import pandas"], strict=True))
    verdict.target(f"{READY} / import pandas (CPU)", f"{cpu_ratio:.3f}x", "<= 1.15x",
                   cpu_ratio <= 1.15)
    verdict.figure("  per-round CPU ratios, lowest to highest",
                   f"{spread[0]:.3f} .. {spread[-1]:.3f}")
    verdict.figure("  same in wall time (not judged)", f"{wall_ratio:.3f}x")
    best_help = min(walls["sr-frames --help"])
    verdict.target("sr-frames --help, best wall time", f"{best_help:.3f} s", "< 0.6 s", best_help < 0.6)
    verdict.finish()


if __name__ == "__main__":
    main()
