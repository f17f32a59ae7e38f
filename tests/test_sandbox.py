"""The sandbox, used over real HTTP the way a client (or a curious developer) would.

Each test starts from a reset sandbox (see ``conftest.py``). Expected answers come
from :mod:`sr_frames.sandbox.answers` and :mod:`sr_frames.checks`, never copied by
hand, except where the reference itself gives the example (the phone numbers).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from sr_frames import checks
from sr_frames.endpoints import ENDPOINTS, Endpoint, endpoint
from sr_frames.sandbox import SandboxControl, answers, start_sandbox

USER = "analyst@example.com"
PASSWORD = "correct horse battery staple"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --- a minimal caller ----------------------------------------------------------------


@dataclass
class Reply:
    status: int
    text: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def error(self) -> dict[str, Any]:
        body = self.json()
        assert set(body) == {"error"} and set(body["error"]) == {"status_code", "message"}
        assert body["error"]["status_code"] == self.status
        return body["error"]


def http(url: str, body: Any = None, *, token: str | None = None, method: str = "POST",
         raw: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 10.0) -> Reply:
    """One request; error statuses come back as a Reply, transport failures raise."""
    headers = {"Content-Type": "application/json", **(headers or {})}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Reply(response.status, response.read().decode(), dict(response.headers))
    except urllib.error.HTTPError as exc:
        with exc:
            return Reply(exc.code, exc.read().decode(), dict(exc.headers))


def login(sandbox, username: str = USER, password: str = PASSWORD) -> Reply:
    return http(sandbox.url + "/auth/accessToken", {"username": username, "password": password})


class User:
    """A logged-in user calling endpoints by their client method name."""

    def __init__(self, sandbox, username: str = USER, password: str = PASSWORD) -> None:
        self.url = sandbox.url
        self.token = login(sandbox, username, password).json()["access_token"]

    def call(self, method: str, **body: Any) -> Reply:
        return http(self.url + endpoint(method).path, body, token=self.token)

    def ok(self, method: str, **body: Any) -> Any:
        reply = self.call(method, **body)
        assert reply.status == 200, reply.text
        return reply.json()

    def new_list(self, name: str = "Leads", permission: str = "private") -> str:
        return self.ok("create_list", list_name=name, permission=permission)["list_id"]


def contacts(n: int) -> list[dict[str, str]]:
    return [{"name": f"Person {i}", "email": f"person{i}@example.com"} for i in range(n)]


# --- every endpoint of the table is served ---------------------------------------------

_BY_NAME: dict[str, Any] = {
    "last_name": "Doe", "company_name": "Acme", "permission": "private",
    "start_date": "2021-08-22 22:00:00", "page": 1, "size": 10, "campaign_id": 1,
    "ramp_up_increment": 3, "ramp_up_limit": 10, "phones": ["38922037347"],
}
_BY_KIND = {"email": "jane.doe@example.com", "domain": "example.com", "name": "Jane",
            "handle": "jane-doe-12345"}
_BY_TYPE: dict[str, Any] = {"string": "text", "integer": 1, "boolean": True, "array": ["text"]}


def valid_body(ep: Endpoint, known: dict[str, Any]) -> dict[str, Any]:
    """A body the table calls valid; ids and credentials from ``known``."""
    body: dict[str, Any] = {}
    for f in ep.fields:
        if f.name in known or f.name in _BY_NAME:
            body[f.name] = known.get(f.name, _BY_NAME.get(f.name))
        elif f.type == "records":  # Add to List and Update List Data alike
            body[f.name] = [{"_id": known["_id"], "name": "Jane", "email": "jane@example.com"}]
        elif f.type == "string":
            body[f.name] = _BY_KIND.get(f.kind, "text")
        else:
            body[f.name] = _BY_TYPE[f.type]
    return body


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.method)
def test_every_endpoint_of_the_table_answers_a_valid_body(sandbox, ep):
    user = User(sandbox)
    list_id = user.new_list()
    oid = user.ok("add_to_list", list_id=list_id, data=contacts(1))["ids"][0]["$oid"]
    user.ok("create_email_connection", sender_name="Jane", email="jane@example.com",
            username="jane@example.com", secret="pw", smtp_host="smtp.example.com",
            smtp_port="465", smtp_encryption="ssl", permission="private",
            receiving_email="john@example.com")
    ids = {"list_id": list_id, "_id": oid, "ids": [oid], "connection_email": "jane@example.com",
           "username": USER, "password": PASSWORD}
    before = sandbox.count(ep.method)

    reply = http(sandbox.url + ep.path, valid_body(ep, ids), token=user.token)

    assert reply.status == 200, reply.text
    assert sandbox.count(ep.method) == before + 1


# --- the error shapes ------------------------------------------------------------------


def test_unknown_paths_answer_404_in_the_error_shape(sandbox):
    reply = http(sandbox.url + "/toolkit/noSuchThing", {"email": "a@b.com"})
    assert reply.status == 404
    assert "/toolkit/noSuchThing" in reply.error["message"]


def test_api_paths_take_only_post(sandbox):
    reply = http(sandbox.url + "/toolkit/emailVerifier", method="GET")
    assert reply.status == 405
    assert reply.headers["Allow"] == "POST"
    assert reply.error["message"]


@pytest.mark.parametrize(("raw", "message"), [
    (b"this is not json", "Invalid request body"),
    (b'["a list", "not an object"]', "Invalid request body"),
    (b"{}", "Missing required field 'email'."),
    (b'{"email": 42}', "Field 'email' must be a string."),
])
def test_bad_bodies_answer_400_naming_the_problem(sandbox, raw, message):
    user = User(sandbox)
    reply = http(sandbox.url + "/toolkit/emailVerifier", raw=raw, token=user.token)
    assert reply.status == 400
    assert reply.error["message"] == message


def test_wrong_json_types_are_refused_for_every_kind_of_field(sandbox):
    user = User(sandbox)
    assert "'campaign_id' must be an integer" in user.call("campaign_statistics",
                                                           campaign_id="1").error["message"]
    assert "'phones' must be an array" in user.call("verify_phones", phones="123").error["message"]
    assert "'data' must be an array of objects" in user.call(
        "add_to_list", list_id="x", data=["not an object"]).error["message"]


@pytest.mark.parametrize("authorization", [None, "Bearer not.a.token", "Basic abc"])
def test_api_calls_without_a_valid_token_answer_401(sandbox, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    reply = http(sandbox.url + "/toolkit/emailVerifier", {"email": "a@b.com"}, headers=headers)
    assert reply.status == 401
    assert reply.error["message"]


# --- tokens ----------------------------------------------------------------------------


def test_login_answers_a_jwt_bearer_token(sandbox):
    reply = login(sandbox)
    assert reply.status == 200
    token = reply.json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    header, claims, _ = (json.loads(base64.urlsafe_b64decode(p + "==")) if i < 2 else p
                         for i, p in enumerate(token["access_token"].split(".")))
    assert header["alg"] == "HS256"
    assert claims["sub"] == USER
    assert claims["exp"] - claims["iat"] == pytest.approx(3600, abs=1)
    assert sandbox.stats()["logins"] == 1


def test_tokens_expire(sandbox):
    sandbox.configure(token_ttl=0.3)
    user = User(sandbox)
    assert user.call("verify_email", email="a@example.com").status == 200
    time.sleep(0.35)
    reply = user.call("verify_email", email="a@example.com")
    assert reply.status == 401
    assert "expired" in reply.error["message"]


def test_any_credentials_unless_a_password_is_set(sandbox):
    assert login(sandbox, "someone", "anything").status == 200
    assert login(sandbox, "someone", "").status == 401

    sandbox.configure(password="s3cret")
    assert login(sandbox, "someone", "anything").error["message"] == "Invalid username or password."
    assert login(sandbox, "someone", "s3cret").status == 200

    sandbox.reset()  # back to the start settings: any password
    assert login(sandbox, "someone", "anything").status == 200


def test_a_sandbox_started_with_a_password_accepts_only_that_one():
    with start_sandbox(password="only-this") as sb:
        assert login(sb, USER, "wrong").status == 401
        assert login(sb, USER, "only-this").status == 200


# --- validation answers ----------------------------------------------------------------


def test_phone_verifier_answers_the_reference_example(sandbox):
    user = User(sandbox)
    valid, bad_format, invalid = user.ok("verify_phones",
                                         phones=["38922037347", "3897820b4075", "78418838"])

    assert valid["status"] == "VALID"
    assert valid["local"] == "02 203 7347"
    assert valid["international"] == "+389 2 203 7347"
    assert valid["location"] == "Skopje"
    assert valid["timezone"] == ["Europe/Skopje"]
    assert bad_format == {"input": "3897820b4075", "status": "INVALID FORMAT",
                          "message": "The string supplied did not seem to be a phone number."}
    assert invalid == {"input": "78418838", "status": "INVALID",
                       "message": "The phone number entered is not valid."}


def test_phone_answers_are_the_local_checks_in_input_order(sandbox):
    phones = ["+4930123456", "0044 20 7946 0958", "12", "+1 650 253 0000", "38922037347"]
    assert User(sandbox).ok("verify_phones", phones=phones) == [answers.verify_phone(p) for p in phones]


def test_every_email_status_and_confidence_band_occurs(sandbox):
    user = User(sandbox)
    wanted = {("Invalid", "Invalid"), ("Accept All", "Risky"), ("Accept All", "Likely"),
              ("Valid", "Valid with full inbox"), ("Valid", "Valid")}
    examples: dict[tuple[str, str], str] = {}
    for i in range(500):
        email = f"person{i}@company{i % 50}.com"
        answer = answers.verify_email(email)
        examples.setdefault((answer["status"], answer["confidence_description"]), email)
        if wanted <= set(examples):
            break
    assert wanted <= set(examples)

    for email in examples.values():  # and the sandbox says exactly that
        assert user.ok("verify_email", email=email) == answers.verify_email(email)
    full = user.ok("verify_email", email=examples[("Valid", "Valid with full inbox")])
    assert full["full_inbox"] == "Full" and 80 <= full["confidence_score"] <= 89


def test_broken_addresses_answer_as_the_local_check_does(sandbox):
    user = User(sandbox)
    for email in ("no-at-sign", "two@@example.com", "jane@-bad.com"):
        expected = checks.invalid_email_answer(email, checks.email_syntax_error(email))
        answer = user.ok("verify_email", email=email)
        assert answer == expected
        assert answer["format"] == "Incorrect" and answer["status"] == "Invalid"


def test_email_type_and_disposable_come_from_the_domain(sandbox):
    user = User(sandbox)
    assert user.ok("verify_email", email="jane@gmail.com")["type"] == "Personal"
    assert user.ok("verify_email", email="jane@acme-widgets.com")["type"] == "Professional"
    assert user.ok("verify_email", email="jane@mailinator.com")["disposable"] == "Yes"
    assert user.ok("verify_email", email="jane@gmail.com")["format"] == "Correct"


# --- searches --------------------------------------------------------------------------


def test_about_one_search_in_five_is_a_definitive_not_found(sandbox):
    user = User(sandbox)
    statuses = [user.call("email_patterns", domain=f"company{i}.com").status for i in range(60)]
    assert set(statuses) == {200, 404}
    assert 5 <= statuses.count(404) <= 20

    missing = next(f"company{i}.com" for i in range(60) if statuses[i] == 404)
    with pytest.raises(answers.NotFound):
        answers.email_patterns(missing)


def test_find_email_not_found_is_404_in_the_error_shape(sandbox):
    user = User(sandbox)
    for i in range(50):
        try:
            answers.find_email("Jane", f"Doe{i}", "example.com")
        except answers.NotFound:
            reply = user.call("find_email", first_name="Jane", last_name=f"Doe{i}",
                              company_domain="example.com")
            assert reply.status == 404
            assert reply.error["message"] == "No email found for the given input."
            return
    pytest.fail("no not-found input among 50")


def test_a_domain_that_is_not_one_answers_400_naming_the_rule(sandbox):
    reply = User(sandbox).call("linkedin_contacts", domain="-not-a-domain")
    assert reply.status == 400
    assert "a domain starts with a letter or number" in reply.error["message"]


def test_found_emails_follow_the_domains_patterns(sandbox):
    user = User(sandbox)
    for last in ("Doe", "Smith", "Novak", "Kim", "Rossi", "Larsen"):
        reply = user.call("find_email", first_name="Jane", last_name=last, company_domain="acme.io")
        if reply.status == 404:
            continue
        rendered = {answers.render_pattern(p, "Jane", last, "acme.io")
                    for p in answers.domain_patterns("acme.io")}
        assert reply.json()["email"] in rendered
        assert 60 <= reply.json()["confidence"] <= 99


def test_generate_email_answers_the_local_permutations(sandbox):
    answer = User(sandbox).ok("generate_emails", first_name="José", last_name="Núñez",
                              domain="example.com")
    assert answer == {"emails": checks.permute_emails("José", "Núñez", "example.com")}


def test_campaign_statistics_are_deterministic_and_some_ids_are_missing(sandbox):
    user = User(sandbox)
    assert user.ok("campaign_statistics", campaign_id=7) == {
        "status_code": 200, "data": answers.campaign_statistics(7)}
    for missing in (0, -3, 10, 120):
        assert user.call("campaign_statistics", campaign_id=missing).status == 404


# --- editable lists --------------------------------------------------------------------


def test_create_list_answers_a_12_character_id(sandbox):
    user = User(sandbox)
    reply = user.ok("create_list", list_name="My First Editable List", permission="personal")
    assert reply["status"] == "success" and reply["message"] == "List created successfully."
    assert re.fullmatch(r"[a-z0-9]{12}", reply["list_id"])
    assert user.call("create_list", list_name="x", permission="public").status == 400


def test_add_to_list_answers_ids_in_input_order(sandbox):
    user = User(sandbox)
    list_id = user.new_list()
    reply = user.ok("add_to_list", list_id=list_id, data=contacts(3))
    assert reply["message"] == "Inserted 3 documents."
    oids = [i["$oid"] for i in reply["ids"]]
    assert all(re.fullmatch(r"[0-9a-f]{24}", o) for o in oids)
    stored = user.ok("get_list_data", list_id=list_id, page=1, size=10)["data"]
    assert [c["_id"]["$oid"] for c in stored] == oids
    assert stored[0] == {"_id": {"$oid": oids[0]}, "name": "Person 0",
                         "email": "person0@example.com", "list_id": list_id}
    assert user.call("add_to_list", list_id="nosuchlist00", data=contacts(1)).status == 404


def test_list_data_pages_are_one_based(sandbox):
    user = User(sandbox)
    list_id = user.new_list()
    user.ok("add_to_list", list_id=list_id, data=contacts(12))

    def names(page: int) -> list[str]:
        data = user.ok("get_list_data", list_id=list_id, page=page, size=5)["data"]
        return [c["name"] for c in data]

    assert names(1) == [f"Person {i}" for i in range(5)]
    assert names(2) == [f"Person {i}" for i in range(5, 10)]  # page 2 of size 5 skips 5
    assert names(3) == ["Person 10", "Person 11"]
    assert names(4) == []
    assert user.call("get_list_data", list_id=list_id, page=0, size=5).status == 400


def test_get_lists_pages_and_items_look_like_the_reference(sandbox):
    user = User(sandbox)
    list_ids = [user.new_list(f"List {i}") for i in range(3)]
    page = user.ok("get_lists", page=2, size=2)
    assert page["message"] == "Lists were successfully read."
    (item,) = page["data"]
    assert item["uuid"] == list_ids[2] and item["name"] == "List 2"
    assert item["id"].isdigit() and item["type"] == "editable" and item["permissions"] == "private"


def test_contacts_are_read_updated_and_deleted_by_id(sandbox):
    user = User(sandbox)
    list_id = user.new_list()
    first, second = (i["$oid"] for i in user.ok("add_to_list", list_id=list_id,
                                                   data=contacts(2))["ids"])

    assert user.ok("get_contact", _id=first)["data"]["email"] == "person0@example.com"
    update = user.ok("update_list_data", data=[{"_id": first, "last_name": "Doe"},
                                               {"_id": "0" * 24, "age": 1}])
    assert update["message"] == "1 matched and 1 modified documents."
    again = user.ok("update_list_data", data=[{"_id": first, "last_name": "Doe"}])
    assert again["message"] == "1 matched and 0 modified documents."
    assert user.ok("get_contact", _id=first)["data"]["last_name"] == "Doe"

    deleted = user.ok("delete_list_data", ids=[first, second, "f" * 24])
    assert deleted == {"status": "success", "status_code": 200,
                       "message": "Successfully deleted 2 documents."}
    assert user.call("get_contact", _id=first).status == 404


def test_list_memberships_come_from_the_callers_lists(sandbox):
    user = User(sandbox)
    assert user.ok("list_memberships", email="person1@example.com") == []
    list_id = user.new_list("Fair leads")
    user.ok("add_to_list", list_id=list_id, data=contacts(2))
    (membership,) = user.ok("list_memberships", email="Person1@Example.com")
    assert membership["list_name"] == "Fair leads" and membership["campaigns"] == []
    assert isinstance(membership["id"], int)


def test_each_user_sees_only_their_own_lists(sandbox):
    alice, bob = User(sandbox, "alice@acme.com"), User(sandbox, "bob@other.org")
    list_id = alice.new_list()
    alice.ok("add_to_list", list_id=list_id, data=contacts(1))

    assert bob.ok("get_lists", page=1, size=10)["data"] == []
    assert bob.call("get_list_data", list_id=list_id, page=1, size=10).status == 404
    assert bob.call("add_to_list", list_id=list_id, data=contacts(1)).status == 404
    assert bob.ok("list_memberships", email="person0@example.com") == []


def test_company_lists_are_readable_but_not_writable_by_colleagues(sandbox):
    alice, carol = User(sandbox, "alice@acme.com"), User(sandbox, "carol@acme.com")
    list_id = alice.new_list(permission="company")
    alice.ok("add_to_list", list_id=list_id, data=contacts(1))
    assert len(carol.ok("get_list_data", list_id=list_id, page=1, size=10)["data"]) == 1
    assert carol.call("add_to_list", list_id=list_id, data=contacts(1)).status == 403


# --- connections and warm-up -----------------------------------------------------------

CONNECTION = {"sender_name": "Example", "email": "jondoe@example.com",
              "username": "jondoe@example.com", "secret": "123", "imap_host": "imap.gmail.com",
              "imap_port": "993", "imap_encryption": "ssl", "smtp_host": "smtp.gmail.com",
              "smtp_port": "465", "smtp_encryption": "ssl", "permission": "company",
              "receiving_email": "janedoe@example.com"}
WARMER = {"connection_email": "jondoe@example.com", "ramp_up_increment": 3, "ramp_up_limit": 10,
          "start_date": "2021-08-22 22:00:00", "timezone": "America/Regina (GMT-06:00)",
          "mature": True, "stop_on_limit_reach": False}


def test_a_warmer_needs_a_connection_whose_secret_is_never_echoed(sandbox):
    user = User(sandbox)
    assert user.call("create_email_warmer", **WARMER).status == 404

    connection = user.ok("create_email_connection", **CONNECTION)
    assert set(connection) == {"status", "data"} and connection["status"] == "success"
    assert connection["data"]["data"]["secret"] not in ("", CONNECTION["secret"])
    assert sandbox.requests("create_email_connection")[0]["body"]["secret"] == "********"

    warmer = user.ok("create_email_warmer", **WARMER)
    assert warmer["status_code"] == 200
    assert warmer["data"]["connection_ID"] == connection["data"]["id"]
    assert warmer["data"]["mature"] == "1" and warmer["data"]["stop_on_limit_reach"] == "0"


# --- the control plane -----------------------------------------------------------------


def test_received_requests_are_logged_with_secrets_masked(sandbox):
    user = User(sandbox)
    user.call("verify_email", email="a@example.com")
    logged = sandbox.requests()
    assert [r["path"] for r in logged] == ["/auth/accessToken", "/toolkit/emailVerifier"]
    assert logged[0]["body"] == {"username": USER, "password": "********"}
    assert logged[1]["status"] == 200 and logged[1]["fault"] is None
    assert logged[0]["seq"] < logged[1]["seq"] and logged[0]["t"] <= logged[1]["t"]
    assert sandbox.requests("verify_email") == logged[1:]
    assert sandbox.count("/toolkit/emailVerifier") == sandbox.count("verify_email") == 1


def test_control_requests_are_never_counted(sandbox):
    sandbox.stats()
    sandbox.requests()
    sandbox.configure(latency_ms=0)
    sandbox.clear_faults()
    assert sandbox.stats()["total"] == 0


def test_reset_forgets_data_and_restores_start_settings(sandbox):
    user = User(sandbox)
    user.new_list()
    sandbox.configure(latency_ms=5, rate_limit=100)
    sandbox.add_fault("status", path="get_lists")
    sandbox.reset()

    assert sandbox.settings()["latency_ms"] == 0 and sandbox.settings()["rate_limit"] is None
    assert sandbox.faults() == []
    assert User(sandbox).ok("get_lists", page=1, size=10)["data"] == []


def test_bad_control_arguments_raise_value_error(sandbox):
    with pytest.raises(ValueError, match="unknown setting"):
        sandbox.configure(latencyms=5)
    with pytest.raises(ValueError, match="unknown fault kind"):
        sandbox.add_fault("explode")
    with pytest.raises(ValueError, match="unknown endpoint"):
        sandbox.add_fault("drop", path="/no/such/path")


def test_the_control_plane_works_from_a_plain_url(sandbox):
    control = SandboxControl(sandbox.url)
    User(sandbox)
    assert control.stats()["logins"] == 1


# --- faults ----------------------------------------------------------------------------


def test_status_fault_answers_the_error_shape_then_clears(sandbox):
    user = User(sandbox)
    sandbox.add_fault("status", path="verify_email", status=503, times=1)
    assert user.call("verify_email", email="a@example.com").error["status_code"] == 503
    assert user.call("verify_email", email="a@example.com").status == 200
    assert [r["fault"] for r in sandbox.requests("verify_email")] == ["status", None]


def test_status_fault_429_sends_retry_after(sandbox):
    user = User(sandbox)
    sandbox.add_fault("status", path="verify_email", status=429, retry_after=2, times=1)
    reply = user.call("verify_email", email="a@example.com")
    assert reply.status == 429 and reply.headers["Retry-After"] == "2"
    assert sandbox.stats()["rate_limited"] == 1


def test_drop_closes_the_connection_and_applies_nothing(sandbox):
    user = User(sandbox)
    list_id = user.new_list()
    sandbox.add_fault("drop", path="add_to_list", times=1)
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        user.call("add_to_list", list_id=list_id, data=contacts(1))
    assert user.ok("get_list_data", list_id=list_id, page=1, size=10)["data"] == []
    assert sandbox.requests("add_to_list")[0]["status"] is None


def test_lost_answer_applies_the_request_but_never_answers(sandbox):
    user = User(sandbox)
    list_id = user.new_list()
    sandbox.add_fault("lost_answer", path="/editable-lists/addToList", times=1)
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        user.call("add_to_list", list_id=list_id, data=contacts(2))
    assert len(user.ok("get_list_data", list_id=list_id, page=1, size=10)["data"]) == 2


def test_garbage_answers_200_with_a_body_that_is_not_json(sandbox):
    user = User(sandbox)
    sandbox.add_fault("garbage", path="verify_email", times=1)
    reply = user.call("verify_email", email="a@example.com")
    assert reply.status == 200
    with pytest.raises(json.JSONDecodeError):
        reply.json()


def test_hang_never_answers_until_the_delay_passes(sandbox):
    user = User(sandbox)
    sandbox.add_fault("hang", path="verify_email", delay_s=0.2, times=1)
    started = time.monotonic()
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        user.call("verify_email", email="a@example.com")
    assert time.monotonic() - started >= 0.2


def test_hang_without_a_delay_waits_for_the_client_to_give_up(sandbox):
    user = User(sandbox)
    sandbox.add_fault("hang", path="verify_email", times=1)
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        http(sandbox.url + "/toolkit/emailVerifier", {"email": "a@example.com"},
             token=user.token, timeout=0.3)
    assert user.call("verify_email", email="a@example.com").status == 200


def test_latency_fault_and_setting_delay_answers(sandbox):
    user = User(sandbox)
    sandbox.add_fault("latency", path="verify_email", delay_s=0.2, times=1)
    started = time.monotonic()
    assert user.call("verify_email", email="a@example.com").status == 200
    assert time.monotonic() - started >= 0.2

    sandbox.configure(latency_ms=150)
    started = time.monotonic()
    assert user.call("verify_email", email="a@example.com").status == 200
    assert time.monotonic() - started >= 0.15


def test_faults_without_a_path_hit_the_token_endpoint_too(sandbox):
    sandbox.add_fault("status", status=500, times=1)
    assert login(sandbox).status == 500
    assert login(sandbox).status == 200


def test_fault_rates_are_reproducible_from_the_seed(sandbox):
    user = User(sandbox)

    def pattern() -> list[int]:
        sandbox.clear_faults()
        sandbox.add_fault("status", path="verify_email", rate=0.5)
        return [user.call("verify_email", email="a@example.com").status for _ in range(16)]

    first = pattern()
    sandbox.reset()
    user = User(sandbox)
    assert pattern() == first
    assert set(first) == {200, 500}


# --- rate limit ------------------------------------------------------------------------


def test_rate_limit_answers_429_with_an_integer_retry_after(sandbox):
    user = User(sandbox)
    sandbox.configure(rate_limit=3)
    replies = [user.call("verify_email", email="a@example.com") for _ in range(6)]

    limited = [r for r in replies if r.status == 429]
    assert limited and replies[0].status == 200
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert limited[0].error["message"]
    stats = sandbox.stats()
    assert stats["rate_limited"] == len(limited) and stats["by_status"]["429"] == len(limited)


def test_requests_inside_a_pause_are_counted_after_a_grace(sandbox):
    user = User(sandbox)
    sandbox.configure(rate_limit=1)
    assert user.call("verify_email", email="a@example.com").status == 200
    assert user.call("verify_email", email="a@example.com").status == 429
    assert sandbox.stats()["during_pause"] == 0

    time.sleep(0.15)  # past the grace, inside the Retry-After: the client's fault
    user.call("verify_email", email="a@example.com")
    assert sandbox.stats()["during_pause"] == 1

    time.sleep(1.0)  # a client that waited Retry-After is served
    assert user.call("verify_email", email="a@example.com").status == 200


# --- starting and stopping -------------------------------------------------------------


def test_the_sandbox_refuses_to_listen_beyond_loopback():
    with pytest.raises(ValueError, match="loopback"):
        start_sandbox(host="0.0.0.0")


def test_stop_is_idempotent_and_frees_the_port():
    sb = start_sandbox()
    port = sb.port
    assert sb.url == f"http://127.0.0.1:{port}"
    sb.stop()
    sb.stop()
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        http(sb.url + "/auth/accessToken", {"username": "u", "password": "p"}, timeout=2)


def test_stop_does_not_wait_for_a_hanging_request():
    sb = start_sandbox()
    sb.add_fault("hang")
    outcome: list[BaseException] = []

    def hang() -> None:
        try:
            login(sb)
        except (urllib.error.URLError, ConnectionError) as exc:
            outcome.append(exc)

    caller = threading.Thread(target=hang)
    caller.start()
    while sb.count("login") == 0:
        time.sleep(0.01)
    started = time.monotonic()
    sb.stop()
    caller.join(5)
    assert time.monotonic() - started < 2
    assert outcome  # the caller saw the connection close



def test_a_busy_port_raises_os_error(sandbox):
    with pytest.raises(OSError):
        start_sandbox(port=sandbox.port)


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is a POSIX signal here")
def test_serve_runs_in_the_foreground_until_ctrl_c():
    command = [sys.executable, "-W", "error", "-c",
               "from sr_frames.sandbox import serve; serve(port=0)"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        announced = proc.stdout.readline()
        control = SandboxControl(re.search(r"http://\S+", announced).group(0))
        assert login(control).status == 200
        assert control.stats()["logins"] == 1  # the control plane, from another process
        proc.send_signal(signal.SIGINT)
        _, errors = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert errors == ""


def test_an_aiohttp_client_meets_each_fault_as_it_would_for_real(sandbox):
    """What a client built on aiohttp sees for every kind of fault."""
    url = sandbox.url + "/toolkit/emailVerifier"

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(sandbox.url + "/auth/accessToken",
                                    json={"username": USER, "password": PASSWORD}) as resp:
                token = (await resp.json())["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            body = {"email": "a@example.com"}

            async def verify(timeout: float = 5.0) -> Any:
                async with session.post(url, json=body, headers=headers,
                                        timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
                    return resp.status, await resp.text()

            sandbox.add_fault("drop", path=url.removeprefix(sandbox.url), times=1)
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await verify()
            sandbox.add_fault("lost_answer", path="verify_email", times=1)
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await verify()
            sandbox.add_fault("hang", path="verify_email", times=1)
            with pytest.raises(TimeoutError):
                await verify(timeout=0.2)
            sandbox.add_fault("garbage", path="verify_email", times=1)
            status, text = await verify()
            assert status == 200 and not text.startswith("{")
            status, text = await verify()
            assert json.loads(text) == answers.verify_email("a@example.com")

    asyncio.run(scenario())
    assert [r["fault"] for r in sandbox.requests("verify_email")] == [
        "drop", "lost_answer", "hang", "garbage", None]


# --- limits and hostile callers ----------------------------------------------------------


def raw_request(sandbox, head: bytes, body: bytes = b"", *, timeout: float = 10.0) -> Reply:
    """Send bytes as they are (no client library to tidy them up) and read the answer."""
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=timeout) as sock:
        sock.sendall(head + body)
        return read_reply(sock)


def read_reply(sock: socket.socket) -> Reply:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before an answer: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    length = int(headers.get("Content-Length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Reply(int(lines[0].split()[1]), body.decode(), headers)


def post_head(path: str, length: int, token: str | None = None, host: str = "127.0.0.1") -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"{auth}Content-Length: {length}\r\n\r\n").encode()


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_json_nested_too_deep_answers_400_not_a_server_error(sandbox, depth):
    user = User(sandbox)
    nested = b'{"email": ' + b"[" * depth + b"]" * depth + b"}"

    reply = http(sandbox.url + "/toolkit/emailVerifier", raw=nested, token=user.token)
    control = http(sandbox.url + "/_sandbox/config", raw=nested)

    assert reply.status == 400
    assert "nested deeper than" in reply.error["message"]
    assert control.status == 400 and control.error


def test_phones_beyond_the_stated_limit_answer_413_and_a_clients_batch_passes(sandbox):
    from sr_frames.defaults import DEFAULT_BATCH_SIZE, SANDBOX_MAX_ITEMS

    user = User(sandbox)
    batch = user.call("verify_phones", phones=["+44 20 7946 0958"] * DEFAULT_BATCH_SIZE)
    too_many = user.call("verify_phones", phones=["+44 20 7946 0958"] * (SANDBOX_MAX_ITEMS + 1))

    assert batch.status == 200 and len(batch.json()) == DEFAULT_BATCH_SIZE
    assert too_many.status == 413
    assert too_many.error["message"] == f"Field 'phones' holds more than {SANDBOX_MAX_ITEMS} items."


def test_text_longer_than_the_stated_limit_answers_413_naming_the_field(sandbox):
    from sr_frames.defaults import SANDBOX_MAX_FIELD_CHARS

    user = User(sandbox)
    reply = user.call("verify_email", email="a" * SANDBOX_MAX_FIELD_CHARS + "@example.com")
    contact = user.call("add_to_list", list_id=user.new_list(),
                        data=[{"name": "Jane", "notes": "x" * (SANDBOX_MAX_FIELD_CHARS + 1)}])

    assert reply.status == 413 and "'email'" in reply.error["message"]
    assert contact.status == 413 and "'data'" in contact.error["message"]


def test_a_body_beyond_the_stated_size_is_refused_before_it_is_read(sandbox):
    from sr_frames.defaults import SANDBOX_MAX_BODY_BYTES

    user = User(sandbox)
    fifty_mb = 50 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as sock:
        # only the head and the first kilobyte are sent: the answer must not wait for the rest
        sock.sendall(post_head("/toolkit/emailVerifier", fifty_mb, user.token)
                     + b'{"email": "' + b"a" * 1024)
        reply = read_reply(sock)

    assert reply.status == 413
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.error["message"] == f"Request body larger than {SANDBOX_MAX_BODY_BYTES} bytes."
    assert sandbox.requests("verify_email")[-1]["status"] == 413


def test_a_huge_request_does_not_hold_up_other_clients(sandbox):
    user = User(sandbox)
    phones = json.dumps({"phones": [f"+4420794{i:05d}" for i in range(100_000)]}).encode()
    email = b'{"email": "' + b"a" * (50 * 1024 * 1024) + b'@example.com"}'
    answers_seen: dict[str, int | str] = {}

    def send(name: str, raw: bytes, path: str) -> None:
        try:
            answers_seen[name] = http(sandbox.url + path, raw=raw, token=user.token,
                                      timeout=60).status
        except OSError:  # refused and closed while the body was still being sent
            answers_seen[name] = "closed"

    senders = [threading.Thread(target=send, args=("phones", phones, "/toolkit/phoneVerifier")),
               threading.Thread(target=send, args=("email", email, "/toolkit/emailVerifier"))]
    for sender in senders:
        sender.start()
    meanwhile = [user.call("verify_email", email=f"jane{i}@example.com").status for i in range(5)]
    for sender in senders:
        sender.join(60)

    assert meanwhile == [200] * 5
    assert answers_seen["phones"] == 413
    assert answers_seen["email"] in (413, "closed")


@pytest.mark.parametrize("bad_header", [b"X-Note: a\x00b\r\n", b"X-Note: " + b"a" * 10_000 + b"\r\n"],
                         ids=["nul", "oversized"])
def test_requests_the_http_parser_refuses_answer_in_the_error_shape(sandbox, bad_header):
    head = (b"POST /toolkit/emailVerifier HTTP/1.1\r\nHost: 127.0.0.1\r\n" + bad_header
            + b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n")

    reply = raw_request(sandbox, head, b"{}")

    assert 400 <= reply.status < 500
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.error["message"].startswith(("Malformed HTTP request", "Request Header"))


def test_a_body_trickling_in_is_answered_408_within_the_read_timeout():
    from sr_frames.sandbox.validation import Limits

    with start_sandbox(limits=Limits(read_timeout=0.5)) as slow_reader, \
            socket.create_connection(("127.0.0.1", slow_reader.port), timeout=10) as sock:
        sock.sendall(post_head("/auth/accessToken", 100) + b'{"user')  # and then nothing
        reply = read_reply(sock)

    assert reply.status == 408
    assert reply.error["message"] == "Request body not received within 0.5 s."


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1:1",
                                  "localhost", "127.0.0.1.nip.io:{port}"])
def test_the_control_plane_refuses_a_host_other_than_this_machine(sandbox, host):
    head = f"GET /_sandbox/requests HTTP/1.1\r\nHost: {host.format(port=sandbox.port)}\r\n\r\n"

    reply = raw_request(sandbox, head.encode())

    assert reply.status == 403
    assert reply.headers["Content-Type"].startswith("application/json")
    assert "Host" in reply.error["message"]


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_the_control_plane_and_the_api_answer_this_machine_by_name_or_address(sandbox, name):
    host = f"{name}:{sandbox.port}"
    body = json.dumps({"username": USER, "password": PASSWORD}).encode()

    control = raw_request(sandbox, f"GET /_sandbox/stats HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    api = raw_request(sandbox, post_head("/auth/accessToken", len(body), host=host), body)

    assert control.status == 200 and control.json()["logins"] == 0
    assert api.status == 200 and api.json()["token_type"] == "Bearer"


@pytest.mark.parametrize("method", ["company_email", "contact_emails", "find_email_by_company",
                                    "verify_email"])
def test_text_that_is_not_unicode_answers_400_not_a_server_error(sandbox, method):
    user = User(sandbox)
    ep = endpoint(method)
    raw = json.dumps({f.name: "Jane" for f in ep.fields}).replace('"Jane"', '"\\ud800 Jane"')

    reply = http(sandbox.url + ep.path, raw=raw.encode(), token=user.token)

    assert reply.status == 400
    assert reply.error["message"] == "Invalid request body: text with a lone surrogate is not Unicode."


def test_nan_is_not_json_and_never_comes_back_out(sandbox):
    user = User(sandbox)
    raw = b'{"list_id": "x", "data": [{"name": "Jane", "score": NaN}]}'

    reply = http(sandbox.url + "/editable-lists/addToList", raw=raw, token=user.token)

    assert reply.status == 400 and reply.error["message"] == "Invalid request body"
