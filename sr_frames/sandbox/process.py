"""The sandbox in a child process of its own: ``sr-frames sandbox`` started and stopped.

For a caller whose own process must hold only the library: a benchmark that measures
this process's CPU time and memory, or a test that judges timing (a busy process, a
Dask scheduler and client, would otherwise decide when requests seem to arrive). The
child runs the same ``sr_frames`` as this process, listens on a free port of
127.0.0.1, and is Ctrl-C'd (killed if it lingers) when the block ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

from sr_frames.defaults import SANDBOX_STOP_WAIT
from sr_frames.sandbox.control import SandboxControl

__all__ = ["free_port", "library_environment", "sandbox_process"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def sandbox_process(*, latency_ms: float = 0.0, rate_limit: float | None = None,
                    ready_within: float = 30.0,
                    env: Mapping[str, str] | None = None) -> Iterator[SandboxControl]:
    """Run ``sr-frames sandbox`` in a child process; yields its control plane once it
    serves. ``env`` is the child's environment (default: this process's), to which the
    directory of this ``sr_frames`` is prepended on ``PYTHONPATH``. A child that exits
    or does not serve within ``ready_within`` seconds is a ``RuntimeError`` holding what
    it printed."""
    port = free_port()
    command = [sys.executable, "-m", "sr_frames.cli", "sandbox", "--port", str(port),
               "--latency-ms", str(latency_ms)]
    if rate_limit is not None:
        command += ["--rate-limit", str(rate_limit)]
    with tempfile.TemporaryFile("w+") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=library_environment(env))
        try:
            control = SandboxControl(f"http://127.0.0.1:{port}", timeout=10.0)
            _wait_until_serving(control, child, log, ready_within)
            yield control
        finally:
            _stop(child)


def library_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) for a child Python that must import this
    ``sr_frames`` (the checkout it runs from), not another installed copy."""
    env = dict(os.environ if env is None else env)
    root = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def _wait_until_serving(control: SandboxControl, child: subprocess.Popen[bytes],
                        log: IO[str], within: float) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            control.stats()
            return
        except (OSError, RuntimeError):
            if child.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"the sandbox did not start:\n{log.read()}") from None
            time.sleep(0.05)


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Ctrl-C the sandbox; kill it if it is still there after a few seconds."""
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=SANDBOX_STOP_WAIT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
