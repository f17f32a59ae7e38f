"""The endpoint table drives everything: each entry has a client method, a sandbox
answer, a verb or helper users call, and a row in the README.

Adding an endpoint is its table entry (``sr_frames/endpoints``), its sandbox answer
(a function registered with ``@answers_for(method)``) and its verb line; these tests
name whatever is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sr_frames
from sr_frames import accessor
from sr_frames.client.clients import Client
from sr_frames.endpoints import ENDPOINTS, Endpoint
from sr_frames.sandbox import answers, operations

README = Path(__file__).resolve().parent.parent / "README.md"


def _ids(ep: Endpoint) -> str:
    return ep.method


def serves(name: str) -> bool:
    """Whether ``name`` (an endpoint's ``verb``) is something users can call."""
    if name.startswith("Client."):
        return callable(getattr(Client, name.removeprefix("Client."), None))
    if name in accessor.VERBS:
        return True
    if callable(getattr(accessor.SalesRocksFrameAccessor, name, None)):
        return True
    return name in sr_frames.__all__


def readme_table_rows() -> list[str]:
    return [line for line in README.read_text(encoding="utf-8").splitlines()
            if line.startswith("|")]


@pytest.mark.parametrize("ep", ENDPOINTS, ids=_ids)
def test_every_endpoint_has_a_client_method(ep):
    assert hasattr(Client, ep.method), f"{ep.method}: no Client.{ep.method}"


@pytest.mark.parametrize("ep", ENDPOINTS, ids=_ids)
def test_every_endpoint_has_a_sandbox_answer(ep):
    assert operations.operation(ep.method) is not None, (
        f"{ep.method}: the sandbox has no answer; register one with "
        f"@answers_for({ep.method!r}) in sr_frames/sandbox/searches.py or answers.py")


@pytest.mark.parametrize("ep", ENDPOINTS, ids=_ids)
def test_every_endpoint_has_a_verb_or_helper(ep):
    assert ep.verb, f"{ep.method}: the table names no verb or helper (Endpoint.verb)"
    assert serves(ep.verb), (
        f"{ep.method}: its verb {ep.verb!r} is neither an accessor verb (accessor.VERBS), "
        "an accessor method, an sr_frames helper nor a Client method")


@pytest.mark.parametrize("ep", ENDPOINTS, ids=_ids)
def test_every_endpoint_has_a_readme_row(ep):
    rows = [row for row in readme_table_rows() if re.search(rf"{re.escape(ep.path)}\b", row)]
    assert rows, f"{ep.method}: no README table row mentions {ep.path}"


def test_every_verb_serves_an_endpoint_of_the_table():
    named = {ep.verb for ep in ENDPOINTS}
    assert [verb for verb in accessor.VERBS if verb not in named] == []


def test_pure_answers_are_reachable_from_the_answers_module():
    for ep in ENDPOINTS:
        if ep.method not in operations.OPERATIONS:
            assert callable(getattr(answers, ep.method)), ep.method


def test_a_sandbox_without_an_answer_for_an_endpoint_refuses_to_start(monkeypatch):
    from sr_frames.sandbox import registry
    from sr_frames.sandbox.routes import build_app
    from sr_frames.sandbox.state import SandboxState, Settings

    monkeypatch.delitem(registry.ANSWERS, "email_patterns")
    with pytest.raises(LookupError, match="email_patterns"):
        build_app(SandboxState(Settings()))
