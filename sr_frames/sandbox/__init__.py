"""The sandbox: a local emulator of the whole Sales.Rocks API, on 127.0.0.1 only.

It imports only its own modules and ``sr_frames.endpoints``, ``checks``, ``errors``
and ``defaults`` (``tests/test_architecture.py`` holds it to that), never the client,
the cache or any face, so it answers the way the reference says, not the way our
client happens to ask. The library imports it only to start it for ``--sandbox``.

What it emulates, from the published API reference (read as the README's "How we
read the reference" says):

* every endpoint of :data:`sr_frames.endpoints.ENDPOINTS`, at the same paths, with
  the same bodies, envelopes (bare, ``{"status_code", "data"}``, ``{"status", ...}``),
  status codes and error shape ``{"error": {"status_code", "message"}}``; 400 for a
  bad body, 401 without a valid token, 404 for unknown paths, 405 for non-POST;
* JWT bearer tokens that expire (``token_ttl``), any non-empty credentials or only
  the configured password;
* deterministic answers derived from the input (:mod:`answers`: import it to know
  the answer for any input); the phone verifier and the local checks of
  :mod:`sr_frames.checks` give identical answers;
* editable lists, contacts and mailbox connections kept in memory per user;
* a rate limit with ``Retry-After``, latency, and injected faults (error statuses,
  dropped connections, non-JSON bodies, lost answers, hangs), steered through a
  control plane under ``/_sandbox/`` (:class:`SandboxControl`);
* the API document, OpenAPI 3.1, generated from the table, at ``GET /openapi.json``.

Its own limits per request (the service states none; the numbers are
:mod:`sr_frames.defaults`, set per sandbox with ``start_sandbox(limits=Limits(...))``),
each answered in the error shape:

* a body over ``SANDBOX_MAX_BODY_BYTES`` (4 MiB): 413, before the body is read;
* more than ``SANDBOX_MAX_ITEMS`` (1,000) items in an array field (phones, ids,
  contacts; the client sends 100 per request): 413;
* a string over ``SANDBOX_MAX_FIELD_CHARS`` (10,000) anywhere in the body: 413;
* JSON nested deeper than ``SANDBOX_MAX_JSON_DEPTH`` (32): 400;
* a body not received within ``SANDBOX_READ_TIMEOUT`` (10 s): 408, connection closed;
* what aiohttp's HTTP parser refuses (a NUL in a header, a header line over 8,190
  bytes): 400;
* ``/_sandbox/`` with a ``Host`` other than ``127.0.0.1`` or ``localhost`` with the
  sandbox's port: 403 (a web page rebinding its DNS name to 127.0.0.1 cannot read
  what the sandbox received). API paths take any ``Host``.

What it does not emulate: real data (no real person, company, mailbox or MX look-up
is behind any answer; a "Valid" address is valid only by hash), credits and
billing, the service's actual limits (batch sizes, rate, sizes above are ours),
403 for anything but writing to a colleague's list, campaigns attached to lists
(``campaigns`` is always empty), persistence (a restart forgets everything, unless
given a ``state_file``), HTTPS, and accounts (any user name is a user of its own; the part after ``@`` is the
company). Answers may differ from the real service's for the same input.

Usage::

    from sr_frames.sandbox import start_sandbox

    with start_sandbox() as sb:           # a free port on 127.0.0.1
        client_base_url = sb.url
        sb.add_fault("status", path="verify_email", status=500, times=1)
        ...
        assert sb.count("verify_email") == 2
"""

from __future__ import annotations

from sr_frames.sandbox import answers
from sr_frames.sandbox.control import SandboxControl
from sr_frames.sandbox.process import sandbox_process
from sr_frames.sandbox.server import Sandbox, serve, start_sandbox
from sr_frames.sandbox.validation import Limits

__all__ = ["Limits", "Sandbox", "SandboxControl", "answers", "sandbox_process", "serve", "start_sandbox"]
