"""What every benchmark shares: a sandbox in its own process, a clean environment,
timing, the machine it ran on, and a verdict that sets the exit code.

The sandbox runs as ``python -m sr_frames.cli sandbox --port N ...`` in a child process
(:func:`sr_frames.sandbox.process.sandbox_process`), so the process being measured holds
only the library (its CPU time and its memory are
not mixed with the emulator's). Credentials and the cache directory reach the library
through the same environment variables a user would set; the cache lives in a temporary
directory removed at the end.
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from sr_frames import config, defaults
from sr_frames.sandbox.process import free_port, library_environment, sandbox_process

__all__ = ["PASSWORD", "USERNAME", "PeakRSS", "Stopwatch", "Verdict", "child_environment", "environment",
           "free_port", "fresh_cache", "machine", "sandbox_process", "time_limit"]

USERNAME = "bench@example.com"
PASSWORD = "benchmark password"


def child_environment(**extra: str) -> dict[str, str]:
    """The environment for a child Python that must run the same ``sr_frames`` as this
    process, with ``extra`` set."""
    return {**library_environment(), **extra}


@contextlib.contextmanager
def environment(base_url: str) -> Iterator[Path]:
    """Credentials, base URL and a fresh temporary cache directory, as environment
    variables; yields the cache directory. Everything is put back afterwards."""
    names = (defaults.ENV_USERNAME, defaults.ENV_PASSWORD, defaults.ENV_BASE_URL,
             defaults.ENV_CACHE_DIR, defaults.ENV_TOKEN)
    saved = {name: os.environ.get(name) for name in names}
    with tempfile.TemporaryDirectory(prefix="sr-frames-bench-") as directory:
        cache_dir = Path(directory) / "cache"
        os.environ.pop(defaults.ENV_TOKEN, None)
        os.environ.update({defaults.ENV_USERNAME: USERNAME, defaults.ENV_PASSWORD: PASSWORD,
                           defaults.ENV_BASE_URL: base_url, defaults.ENV_CACHE_DIR: str(cache_dir)})
        config.reset_configuration()
        try:
            yield cache_dir
        finally:
            config.reset_configuration()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


@contextlib.contextmanager
def fresh_cache(parent: Path, name: str) -> Iterator[Path]:
    """Point ``SALESROCKS_CACHE_DIR`` at a new empty directory for one measurement."""
    saved = os.environ[defaults.ENV_CACHE_DIR]
    directory = parent.parent / name
    os.environ[defaults.ENV_CACHE_DIR] = str(directory)
    try:
        yield directory
    finally:
        os.environ[defaults.ENV_CACHE_DIR] = saved


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Abort the benchmark (cleaning up on the way out) if it runs longer than ``seconds``."""
    def expired(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"benchmark still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


class Stopwatch:
    """``with Stopwatch() as watch: ...`` then ``watch.seconds``."""

    seconds: float = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.seconds = time.perf_counter() - self._start


def machine() -> str:
    """Cores, CPU model and Python version: what the figures were measured on."""
    model = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


@dataclass
class Verdict:
    """Targets checked by one benchmark; :meth:`finish` prints them and exits."""

    title: str
    lines: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def figure(self, label: str, value: str) -> None:
        self.lines.append(f"  {label:<52} {value}")

    def target(self, label: str, measured: str, wanted: str, ok: bool) -> None:
        mark = "PASS" if ok else "FAIL"
        self.lines.append(f"  [{mark}] {label:<45} {measured:>16}  (target {wanted})")
        if not ok:
            self.missed.append(label)

    def finish(self) -> None:
        print(f"{self.title}\n  on {machine()}")
        print("\n".join(self.lines))
        if self.missed:
            print(f"  missed: {', '.join(self.missed)}")
            sys.exit(1)
        print("  all targets met")


class PeakRSS:
    """The highest resident set size seen while the block runs, above its start."""

    def __init__(self, every: float = 0.002) -> None:
        self.every = every
        self.process = psutil.Process()
        self.growth = 0

    def __enter__(self) -> PeakRSS:
        self.start = self.peak = self.process.memory_info().rss
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._done.wait(self.every):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)
        self.growth = self.peak - self.start
