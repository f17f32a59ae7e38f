"""Shared fixtures: one sandbox for the session, a clean slate for every test.

Every test talks to the sandbox over real HTTP on 127.0.0.1; nothing reaches the real
service. Each test gets its own cache directory and credentials through the same
environment variables a user would set.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

import sr_frames
from sr_frames import config, defaults

USERNAME = "analyst@example.com"
PASSWORD = "correct horse battery staple"


LOOPBACK = {"127.0.0.1", "localhost", "::1", None}


def _refuse_unless_loopback(address):
    """Raise for an IP address that is not this machine's (a Unix socket path is fine)."""
    if isinstance(address, tuple) and not ipaddress.ip_address(address[0].split("%")[0]).is_loopback:
        raise OSError(f"tests talk to 127.0.0.1 only, not to {address[0]!r}")


@pytest.fixture(scope="session", autouse=True)
def _loopback_only():
    """Refuse to resolve any host but this machine, and to connect anywhere else: no test
    can reach the real service, even by mistake, even through a resolver that does not
    ask ``getaddrinfo`` (subprocesses get the sandbox's URL through the environment)."""
    resolve, connect, connect_ex = socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex

    def loopback_only(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in LOOPBACK:
            raise OSError(f"tests talk to 127.0.0.1 only, not to {name!r}")
        return resolve(host, *args, **kwargs)

    def connect_loopback(sock, address):
        _refuse_unless_loopback(address)
        return connect(sock, address)

    def connect_ex_loopback(sock, address):
        _refuse_unless_loopback(address)
        return connect_ex(sock, address)

    socket.getaddrinfo = loopback_only
    socket.socket.connect, socket.socket.connect_ex = connect_loopback, connect_ex_loopback
    yield
    socket.getaddrinfo = resolve
    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex


@pytest.fixture(scope="session")
def sandbox():
    """The sandbox, started once in this process on a free port."""
    from sr_frames.sandbox import start_sandbox

    server = start_sandbox(port=0)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _clean_slate(request, tmp_path, monkeypatch):
    """Fresh cache directory, credentials and sandbox state for every test."""
    monkeypatch.setenv(defaults.ENV_CACHE_DIR, str(tmp_path / "cache"))
    monkeypatch.setenv(defaults.ENV_USERNAME, USERNAME)
    monkeypatch.setenv(defaults.ENV_PASSWORD, PASSWORD)
    monkeypatch.delenv(defaults.ENV_TOKEN, raising=False)
    config.reset_configuration()
    sr_frames.forget_logins()  # each test logs in afresh, so login counts are its own
    if "sandbox" in request.fixturenames:
        server = request.getfixturevalue("sandbox")
        server.reset()
        monkeypatch.setenv(defaults.ENV_BASE_URL, server.url)
    else:
        # a test that forgot the sandbox must never reach the real service
        monkeypatch.setenv(defaults.ENV_BASE_URL, "http://127.0.0.1:9")
    yield
    config.reset_configuration()
