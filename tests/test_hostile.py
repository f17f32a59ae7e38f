"""What a hostile server, network or cell can do, and what it costs the user: nothing.

Each hostile party is a small aiohttp or asyncio server on 127.0.0.1, started by the
test in a thread of its own; the library talks to it over real HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
import struct
import threading
import time
import traceback
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import psutil
import pytest
from aiohttp import web

import sr_frames
from sr_frames import Client, defaults
from sr_frames.errors import (
    AnswerTooLarge,
    CertificateError,
    ConnectError,
    RateLimitError,
    RedirectRefused,
)

TOKEN_ANSWER = {"access_token": "token-from-a-hostile-server", "expires_in": 3600}
PASSWORD = "correct horse battery staple"  # what conftest puts in the environment


@dataclass
class Server:
    """A running test server: its address and what it received, in order."""

    url: str
    received: list[tuple[str, bytes]] = field(default_factory=list)

    def paths(self, path: str) -> int:
        return sum(1 for p, _ in self.received if p == path)


Handler = Callable[[web.Request, bytes], Awaitable[web.StreamResponse]]


@contextlib.contextmanager
def loop_in_a_thread() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread of its own, stopped and closed afterwards."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


@contextlib.contextmanager
def serve(handler: Handler, *, ssl_context: Any = None) -> Iterator[Server]:
    """Run ``handler(request, body)`` for every request on 127.0.0.1 in a thread."""
    server = Server("")

    async def record(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        server.received.append((request.path, body))
        return await handler(request, body)

    async def start() -> web.AppRunner:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", record)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
        await site.start()
        port = runner.addresses[0][1]
        server.url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"
        return runner

    with loop_in_a_thread() as loop:
        runner = asyncio.run_coroutine_threadsafe(start(), loop).result()
        try:
            yield server
        finally:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result()


def logs_in(answer: Handler) -> Handler:
    """A handler that logs anyone in and answers everything else with ``answer``."""

    async def handler(request: web.Request, body: bytes) -> web.StreamResponse:
        if request.path == "/auth/accessToken":
            return web.json_response(TOKEN_ANSWER)
        return await answer(request, body)

    return handler


def verdict(email: str = "jane@example.com") -> dict[str, Any]:
    return {"email": email, "status": "Valid", "confidence_score": 90, "format": "Correct"}


# -- 1. redirects ------------------------------------------------------------------------

def test_a_307_from_the_login_sends_the_password_nowhere_and_fails_clearly():
    async def thief(request, body):
        return web.json_response(TOKEN_ANSWER)

    with serve(thief) as elsewhere:
        async def redirect(request, body):
            raise web.HTTPTemporaryRedirect(f"{elsewhere.url}/collect?session=abc123")

        with (serve(redirect) as service, Client(base_url=service.url) as sr,
              pytest.raises(RedirectRefused) as refused):
            sr.verify_email("jane@example.com")
    assert elsewhere.received == [], "the redirect target received nothing"
    assert service.paths("/auth/accessToken") == 1, "never retried"
    message = str(refused.value)
    assert "307" in message and elsewhere.url in message and "never followed" in message
    assert "collect" not in message and "abc123" not in message, "the origin only, never the path"
    assert PASSWORD not in message


def test_a_308_from_create_email_connection_never_carries_the_secret_away():
    with serve(logs_in(lambda r, b: _json({}))) as elsewhere:
        async def answer(request, body):
            raise web.HTTPPermanentRedirect(f"{elsewhere.url}/connections/createEmailConnection")

        with (serve(logs_in(answer)) as service, Client(base_url=service.url) as sr,
              pytest.raises(RedirectRefused, match="308")):
            sr.create_email_connection(**mailbox(secret="mailbox-secret-1"))
    assert elsewhere.received == []
    assert service.paths("/connections/createEmailConnection") == 1


def test_a_303_is_never_taken_as_the_answer():
    with serve(logs_in(lambda r, b: _json(verdict()))) as elsewhere:
        async def answer(request, body):
            raise web.HTTPSeeOther(f"{elsewhere.url}/toolkit/emailVerifier")

        with serve(logs_in(answer)) as service:
            sr_frames.configure(base_url=service.url)
            leads = pd.DataFrame({"email": ["jane@example.com"]})
            checked = leads.salesrocks.verify_emails(progress=False)
    assert pd.isna(checked.loc[0, "email_status"])
    assert checked.loc[0, "email_error"].startswith("redirect: HTTP 303")
    assert service.paths("/toolkit/emailVerifier") == 1, "a redirect is never retried"
    assert elsewhere.paths("/toolkit/emailVerifier") == 0


def mailbox(secret: str) -> dict[str, str]:
    return {"sender_name": "Jane", "email": "box@example.com", "username": "box@example.com",
            "secret": secret, "smtp_host": "smtp.example.com", "smtp_port": "587",
            "smtp_encryption": "tls", "permission": "private",
            "receiving_email": "box@example.com"}


async def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, headers=headers)


# -- 2. the size of an answer --------------------------------------------------------------

def gzip_bomb(expanded: int) -> bytes:
    """A gzip body of valid JSON that inflates to ``expanded`` bytes (mostly blanks).

    Each further mebibyte of blanks compresses to the same bytes once the window is all
    blanks, so the body is those bytes repeated, with the CRC and size the inflated
    text has: the test never holds the inflated text, nor spends seconds compressing."""
    blank = b" " * 2**20
    head, end = b'{"email": "jane@example.com", "status": "Valid"', b"}"
    count = max(2, expanded // len(blank))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head + blank) + packer.flush(zlib.Z_SYNC_FLUSH)
    repeated = packer.compress(blank) + packer.flush(zlib.Z_SYNC_FLUSH)
    last = packer.compress(blank + end) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(blank, crc)
    size = len(head) + count * len(blank) + len(end)
    trailer = struct.pack("<II", zlib.crc32(end, crc), size % 2**32)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return b"".join([header, first, repeated * (count - 2), last, trailer])


def test_the_bomb_is_what_it_claims():
    inflated = zlib.decompress(gzip_bomb(2**24), 31)
    assert len(inflated) > 2**24 and inflated.startswith(b'{"email"') and inflated.endswith(b" }")


class PeakMemory:
    """The peak RSS of this process while the block runs, sampled every few ms."""

    def __enter__(self) -> PeakMemory:
        self._process, self._stop = psutil.Process(), threading.Event()
        self.before = self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.before


def test_a_gzip_answer_that_inflates_to_a_gigabyte_fails_its_row_with_bounded_memory():
    bomb = gzip_bomb(2**30)
    assert len(bomb) < 2 * 2**20

    async def answer(request, body):
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip",
                                                "Content-Type": "application/json"})

    with serve(logs_in(answer)) as service:
        sr_frames.configure(base_url=service.url)
        leads = pd.DataFrame({"email": ["jane@example.com", "john@example.com"]})
        with PeakMemory() as memory:
            checked = leads.salesrocks.verify_emails(progress=False)
    assert memory.growth < 100 * 2**20, f"RSS grew by {memory.growth / 2**20:.0f} MB"
    assert checked["email_error"].str.startswith("too_large: ").all()
    assert "max_answer_bytes" in checked.loc[0, "email_error"]
    assert service.paths("/toolkit/emailVerifier") == 2, "one request per input, never retried"


def test_an_endless_body_is_cut_at_the_cap_and_the_cap_is_a_setting():
    async def endless(request, body):
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        await response.write(b'{"email": "')
        with contextlib.suppress(ConnectionError):
            while True:
                await response.write(b"x" * 65536)
        return response

    with serve(logs_in(endless)) as service, Client(base_url=service.url,
                                                      max_answer_bytes=2**20) as sr:
        started = time.monotonic()
        with pytest.raises(AnswerTooLarge, match="max_answer_bytes=1,048,576"):
            sr.verify_email("jane@example.com")
        assert time.monotonic() - started < defaults.DEFAULT_TIMEOUT / 3, "cut, not timed out"


def test_an_answer_below_the_cap_is_read_whole(sandbox):
    with Client(max_answer_bytes=4096) as sr:
        assert sr.verify_email("jane@example.com")["email"] == "jane@example.com"
    sr_frames.configure(max_answer_bytes=10)
    with Client() as sr, pytest.raises(AnswerTooLarge):
        sr.verify_email("jane@example.com")


# -- 3. Retry-After --------------------------------------------------------------------------

def test_a_negative_retry_after_forever_costs_at_most_max_retries_plus_one_requests():
    async def limited(request, body):
        return await _json({"error": {"status_code": 429, "message": "slow down"}}, 429,
                           {"Retry-After": "-30"})

    with serve(logs_in(limited)) as service:
        sr_frames.configure(base_url=service.url, max_retries=2)
        leads = pd.DataFrame({"email": ["jane@example.com", "john@example.com"]})
        checked = leads.salesrocks.verify_emails(progress=False)
    assert checked["email_error"].str.startswith("rate_limited: ").all()
    assert service.paths("/toolkit/emailVerifier") <= 2 * (2 + 1)


@pytest.mark.parametrize("retry_after", ["1e9", "inf", "1e309"])
def test_after_an_endless_retry_after_the_same_client_works_once_the_service_answers(retry_after):
    told = []

    async def answer(request, body):
        if not told:
            told.append(retry_after)
            return await _json({"error": {"status_code": 429, "message": "later"}}, 429,
                               {"Retry-After": retry_after})
        return await _json(verdict())

    with serve(logs_in(answer)) as service, Client(base_url=service.url,
                                                     retry_after_ceiling=0.5) as sr:
        with pytest.raises(RateLimitError, match="above retry_after_ceiling"):
            sr.verify_email("jane@example.com")
        assert sr.verify_email("jane@example.com")["status"] == "Valid"
    assert service.paths("/toolkit/emailVerifier") == 2


# -- 5. proxies and company CAs ---------------------------------------------------------------

@contextlib.contextmanager
def forward_proxy(upstream: str) -> Iterator[list[str]]:
    """A plain-HTTP forward proxy on 127.0.0.1 that sends every absolute-URI request it
    gets on to ``upstream`` and records the URIs; sets HTTP_PROXY and HTTPS_PROXY to it."""
    import aiohttp

    seen: list[str] = []

    async def forward(request: web.Request, body: bytes) -> web.StreamResponse:
        seen.append(str(request.url))
        async with (aiohttp.ClientSession() as session,
                    session.request(request.method, upstream + request.rel_url.path_qs,
                                    data=body, headers={k: v for k, v in request.headers.items()
                                                        if k.lower() not in ("host", "content-length")},
                                    allow_redirects=False) as answer):
            return web.Response(body=await answer.read(), status=answer.status,
                                content_type=answer.content_type)

    with serve(forward) as proxy:
        yield seen, proxy.url


def test_with_http_proxy_set_every_request_goes_through_the_proxy(sandbox, monkeypatch):
    with forward_proxy(sandbox.url) as (seen, proxy_url):
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.setenv("NO_PROXY", "")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("http_proxy", raising=False)
        # a name nothing resolves (the tests refuse to): only the proxy can reach it
        sr_frames.configure(base_url="http://api.salesrocks.test")
        leads = pd.DataFrame({"email": ["jane@example.com", "john@example.com", "jim@example.com"]})
        checked = leads.salesrocks.verify_emails(progress=False)
    assert checked["email_error"].isna().all()
    assert sorted(seen) == sorted(["http://api.salesrocks.test/auth/accessToken",
                                   *["http://api.salesrocks.test/toolkit/emailVerifier"] * 3])
    assert sandbox.count("verify_email") == 3


def test_no_proxy_and_loopback_addresses_are_never_proxied(sandbox, monkeypatch):
    with forward_proxy(sandbox.url) as (seen, proxy_url):
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.setenv("NO_PROXY", "")
        with Client() as sr:  # the sandbox, on 127.0.0.1
            sr.verify_email("jane@example.com")
        monkeypatch.setenv("NO_PROXY", "api.salesrocks.test")
        with Client(base_url="http://api.salesrocks.test") as sr, pytest.raises(ConnectError):
            sr.verify_email("jane@example.com")
    assert seen == []


def certificate(folder: pathlib.Path, subject_alt_name: str) -> tuple[pathlib.Path, pathlib.Path]:
    """A certificate for ``subject_alt_name`` (``IP:...`` or ``DNS:...``) signed by nobody a
    system trusts: (cert, key) paths in ``folder``."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command makes the test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", f"/CN={subject_alt_name.split(':', 1)[1]}",
                    "-addext", f"subjectAltName={subject_alt_name}"], check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    """A certificate for 127.0.0.1 signed by nobody a system trusts: (cert, key) paths."""
    return certificate(tmp_path_factory.mktemp("tls"), "IP:127.0.0.1")


@contextlib.contextmanager
def tls_service(self_signed) -> Iterator[Server]:
    import ssl

    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with serve(logs_in(lambda r, b: _json(verdict())), ssl_context=context) as server:
        yield server


@pytest.fixture
def no_ca_from_the_environment(monkeypatch):
    for name in (defaults.ENV_CA_BUNDLE, *defaults.CA_BUNDLE_FALLBACKS):
        monkeypatch.delenv(name, raising=False)


def test_a_company_ca_fails_clearly_without_ca_bundle_and_works_with_it(
        self_signed, no_ca_from_the_environment):
    cert, _ = self_signed
    with tls_service(self_signed) as service:
        with Client(base_url=service.url) as sr, pytest.raises(CertificateError) as refused:
            sr.verify_email("jane@example.com")
        with Client(base_url=service.url, ca_bundle=cert) as sr:
            assert sr.verify_email("jane@example.com")["status"] == "Valid"
    message = str(refused.value)
    assert message.startswith("certificate verify failed: self-signed certificate")
    assert "ca_bundle=" in message and "SALESROCKS_CA_BUNDLE" in message
    assert service.paths("/toolkit/emailVerifier") == 1, "the refused one sent nothing"
    assert service.paths("/auth/accessToken") == 1


@pytest.mark.parametrize("where", ["configure", defaults.ENV_CA_BUNDLE,
                                   *defaults.CA_BUNDLE_FALLBACKS])
def test_ca_bundle_is_read_from_configure_and_the_environment(
        self_signed, no_ca_from_the_environment, monkeypatch, where):
    cert, _ = self_signed
    if where == "configure":
        sr_frames.configure(ca_bundle=cert)
    else:
        monkeypatch.setenv(where, str(cert))
    with tls_service(self_signed) as service, Client(base_url=service.url) as sr:
        assert sr.verify_email("jane@example.com")["status"] == "Valid"


@contextlib.contextmanager
def connect_proxy(port: int) -> Iterator[tuple[list[str], str]]:
    """A proxy on 127.0.0.1 that answers ``CONNECT host:port`` by tunnelling to
    127.0.0.1:``port`` (whatever host was asked for), as a company proxy does for HTTPS;
    records the CONNECT lines and everything else it was asked."""
    asked: list[str] = []

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def tunnel(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        asked.append(head.split("\r\n")[0])
        if not head.startswith("CONNECT "):
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    async def stop() -> None:
        server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    with loop_in_a_thread() as loop:
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(tunnel, "127.0.0.1", 0), loop).result()
        try:
            yield asked, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        finally:
            asyncio.run_coroutine_threadsafe(stop(), loop).result()


@pytest.fixture(scope="module")
def company_host_certificate(tmp_path_factory):
    """A certificate for ``api.salesrocks.test`` signed by nobody a system trusts."""
    return certificate(tmp_path_factory.mktemp("tls-host"), "DNS:api.salesrocks.test")


def test_https_goes_through_the_proxy_in_a_tunnel_with_the_company_ca(
        company_host_certificate, no_ca_from_the_environment, monkeypatch):
    cert, _ = company_host_certificate
    with (tls_service(company_host_certificate) as service,
          connect_proxy(int(service.url.rsplit(":", 1)[1])) as (asked, proxy_url)):
        for name in ("HTTP_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        # a name nothing here resolves (the tests refuse to): only the proxy reaches it
        sr_frames.configure(base_url="https://api.salesrocks.test", ca_bundle=cert)
        leads = pd.DataFrame({"email": ["jane@example.com", "john@example.com"]})
        checked = leads.salesrocks.verify_emails(progress=False, cache=False)
        sr_frames.configure(ca_bundle=None)
        with Client() as sr, pytest.raises(CertificateError):
            sr.verify_email("jim@example.com")
    assert checked["email_error"].isna().all() and (checked["email_status"] == "Valid").all()
    assert set(asked) == {"CONNECT api.salesrocks.test:443 HTTP/1.1"}, "nothing in the clear"
    assert service.paths("/toolkit/emailVerifier") == 2, "the refused one sent nothing"


def test_a_ca_bundle_that_is_not_there_is_a_configuration_error(no_ca_from_the_environment):
    sr_frames.configure(base_url="https://127.0.0.1:9", ca_bundle="/nowhere/company-ca.pem")
    with Client() as sr, pytest.raises(sr_frames.errors.ConfigurationError,
                                       match=r"ca_bundle '/nowhere/company-ca\.pem'"):
        sr.verify_email("jane@example.com")


# -- 4. what a cell holds ----------------------------------------------------------------------

class Opaque:
    """Some object of the caller's that is not text."""


def test_cells_no_request_can_carry_get_errors_and_the_good_rows_their_answers(sandbox):
    leads = pd.DataFrame({"email": [
        "jane@example.com", {"email": "x@example.com"}, "\ud800@example.com",
        b"bob@example.com", "john@example.com", ["a@example.com"], {"s@example.com"},
        Opaque(), "x" * 10_000 + "@example.com", "jane@example.com", ("t@example.com",),
    ]})
    checked = leads.salesrocks.verify_emails(progress=False)

    answered = checked.loc[[0, 4, 9]]
    assert answered["email_status"].notna().all() and answered["email_error"].isna().all()
    errors = checked["email_error"]
    assert errors[1] == "invalid value in 'email': a dict, not text"
    assert errors[2].startswith("invalid value in 'email': text that cannot be encoded as UTF-8")
    assert errors[3].startswith("invalid value in 'email': bytes, not text (decode the column")
    assert errors[5] == "invalid value in 'email': a list, not text"
    assert errors[6] == "invalid value in 'email': a set, not text"
    assert errors[7] == "invalid value in 'email': an Opaque, not text"
    assert errors[8] == ("invalid value in 'email': 10,012 characters, longer than any email "
                         "(at most 320)")
    assert errors[10] == "invalid value in 'email': a tuple, not text"
    assert checked["email_status"][[1, 2, 3, 5, 6, 7, 8, 10]].isna().all()
    assert sandbox.count("verify_email") == 2, "only the two good addresses were sent"
    report = checked.attrs["salesrocks"]
    assert report.skipped == {"invalid": 8}


def test_a_dict_among_names_fails_only_its_row_in_a_many_column_verb(sandbox):
    people = pd.DataFrame({"first_name": ["Jane", {"first": "John"}, "Ada"],
                           "last_name": ["Doe", "Roe", ["Lovelace"]],
                           "domain": ["example.com", "example.com", "example.com"]})
    found = people.salesrocks.find_email(progress=False)
    assert found.loc[1, "found_email_error"] == "invalid value in 'first_name': a dict, not text"
    assert found.loc[2, "found_email_error"] == "invalid value in 'last_name': a list, not text"
    assert pd.isna(found.loc[0, "found_email_error"]) or found.loc[0, "found_email_error"].startswith(
        "not found")
    assert sandbox.count("find_email") == 1


def test_a_series_of_odd_cells_never_raises(sandbox):
    phones = pd.Series([b"+44 20 7946 0958", "+44 20 7946 0958", {"n": 1}, "\udfff"], name="phone")
    checked = phones.salesrocks.verify_phones(progress=False)
    assert checked.loc[1, "phone_status"] in ("VALID", "INVALID")
    assert checked["phone_error"][[0, 2, 3]].str.startswith("invalid value in 'phone': ").all()


# -- 6. the cache scope ------------------------------------------------------------------------

def test_two_sandboxes_on_two_ports_are_two_scopes_the_second_is_asked():
    from sr_frames.sandbox import start_sandbox

    leads = pd.DataFrame({"email": ["jane@example.com", "john@example.com"]})
    with start_sandbox(port=0) as first, start_sandbox(port=0) as second:
        sr_frames.configure(base_url=first.url)
        leads.salesrocks.verify_emails(progress=False)
        sr_frames.configure(base_url=second.url)
        again = leads.salesrocks.verify_emails(progress=False)
        assert second.count("verify_email") == 2, "asked, not answered from the first's cache"
        assert again.attrs["salesrocks"].cache_hits == 0
        sr_frames.configure(base_url=first.url + "/")  # the same service, written otherwise
        assert leads.salesrocks.verify_emails(progress=False).attrs["salesrocks"].cache_hits == 2
        assert first.count("verify_email") == 2


def test_sandbox_reruns_are_answered_from_the_cache(tmp_path, capsys):
    from sr_frames.cli.parser import main

    leads = tmp_path / "leads.csv"
    leads.write_text("email\njane@example.com\njohn@example.com\n")
    assert main(["verify-emails", str(leads), "--sandbox", "-o", str(tmp_path / "one.csv")]) == 0
    assert main(["verify-emails", str(leads), "--sandbox", "-o", str(tmp_path / "two.csv")]) == 0
    assert sr_frames.last_report().cache_hits == 2
    assert sr_frames.last_report().requests_sent == 0
    assert sr_frames.config.settings().cache_scope is None, "the scope is the command's only"


def test_an_explicit_scope_belongs_to_the_configured_base_url_only(sandbox):
    from sr_frames.cache.scope import cache_scope

    sr_frames.configure(cache_scope="my sandbox")
    assert cache_scope(sandbox.url) == "my sandbox"
    assert cache_scope("https://api.sales.rocks") == "https://api.sales.rocks"
    assert cache_scope("HTTPS://API.Sales.Rocks:443/v1/") == "https://api.sales.rocks/v1"
    assert cache_scope("http://localhost:8080/") == "http://localhost:8080"


# -- 8. pagination and the retry budget --------------------------------------------------------

def list_page(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": "success", "status_code": 200, "message": "ok", "data": records}


def test_a_service_that_ignores_page_is_read_once_then_refused():
    async def same_page(request, body):
        return await _json(list_page([{"_id": "c1", "email": "jane@example.com"}]))

    with serve(logs_in(same_page)) as service:
        sr_frames.configure(base_url=service.url)
        with pytest.raises(sr_frames.errors.InvalidResponseError,
                           match="page 2 with the records of page 1"):
            sr_frames.read_list("list-1")
    assert service.paths("/editable-lists/getListData") < 20


def test_reading_pages_stops_after_the_bound_with_an_error():
    from sr_frames.lists.pages import read_pages

    async def endless(request, body):
        page = (await request.json())["page"]
        return await _json(list_page([{"_id": f"c{page}", "email": f"p{page}@example.com"}]))

    with (serve(logs_in(endless)) as service, Client(base_url=service.url) as sr,
          pytest.raises(sr_frames.errors.InvalidResponseError, match="after 30 pages")):
        sr.run(lambda ac: read_pages(ac, "get_list_data", {"list_id": "l"}, 1, max_pages=30))
    assert service.paths("/editable-lists/getListData") == 30
    assert defaults.MAX_PAGES >= 10_000


def test_the_retry_budget_runs_on_the_clients_clock_and_forgets_an_hour_ago(sandbox):
    now = [1000.0]

    async def no_wait(seconds):
        await asyncio.sleep(0)

    async def calls(client, emails):
        for email in emails:
            with contextlib.suppress(sr_frames.errors.ServerError):
                await client.verify_email(email)

    async def scenario():
        async with sr_frames.AsyncClient(clock=lambda: now[0], sleep=no_wait,
                                         max_retries=3) as client:
            await calls(client, [f"ok{i}@example.com" for i in range(100)])  # 100 successes
            now[0] += 3600  # an hour later, the service breaks
            sandbox.add_fault("status", path="verify_email", status=500)
            await calls(client, [f"broken{i}@example.com" for i in range(20)])
            return client.stats.retries

    retries = asyncio.run(scenario())
    # the successes of an hour ago pay for nothing: the floor plus 20 % of the 20 new ones
    assert retries == defaults.RETRY_BUDGET_FLOOR + int(defaults.RETRY_BUDGET_RATIO * 20)


def test_the_retry_budget_holds_a_few_counters_however_many_requests():
    import tracemalloc

    from sr_frames.client.limits import RetryBudget

    now = [0.0]
    budget = RetryBudget(clock=lambda: now[0])
    tracemalloc.start()
    for i in range(200_000):
        now[0] = i * 0.01
        budget.record_first_attempt()
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert size < 20_000, f"{size} bytes for 200,000 first attempts"
    assert budget.try_spend()


# -- 7. secrets in traceback locals -------------------------------------------------------------

SENTINEL = "sentinel-secret-7f3a9c"


def library_locals_holding(error: BaseException, secret: str) -> list[str]:
    """The library frames (and their variables) whose locals show ``secret`` when the
    traceback of ``error`` is rendered with locals, as error trackers do."""
    package = str(pathlib.Path(sr_frames.__file__).parent)
    found: list[str] = []
    pending: list[traceback.TracebackException | None] = [
        traceback.TracebackException.from_exception(error, capture_locals=True)]
    while pending:
        te = pending.pop()
        if te is None:
            continue
        for frame in te.stack:
            if frame.filename.startswith(package):
                found += [f"{frame.name}:{name}" for name, value in (frame.locals or {}).items()
                          if secret in value]
        pending += [te.__cause__, te.__context__]
    return found


def test_a_failing_create_email_connection_leaves_the_secret_in_no_frame(sandbox):
    sandbox.add_fault("status", path="create_email_connection", status=500)
    with Client() as sr:
        with pytest.raises(sr_frames.errors.ServerError) as failed:
            sr.create_email_connection(**mailbox(secret=SENTINEL))
        assert library_locals_holding(failed.value, SENTINEL) == []

    async def on_a_loop():
        async with sr_frames.AsyncClient() as client:
            try:
                await client.create_email_connection(**mailbox(secret=SENTINEL))
            except sr_frames.errors.ServerError as error:
                return error

    assert library_locals_holding(asyncio.run(on_a_loop()), SENTINEL) == []


def test_a_failing_login_leaves_the_password_in_no_frame(sandbox):
    sandbox.configure(password="not the one given")
    with Client(password=SENTINEL) as sr, pytest.raises(sr_frames.errors.AuthenticationError) as refused:
        sr.verify_email("jane@example.com")
    assert library_locals_holding(refused.value, SENTINEL) == []
    sandbox.add_fault("status", path="/auth/accessToken", status=500)
    with Client(password=SENTINEL) as sr, pytest.raises(sr_frames.errors.ServerError) as failed:
        sr.verify_email("jane@example.com")
    assert library_locals_holding(failed.value, SENTINEL) == []
