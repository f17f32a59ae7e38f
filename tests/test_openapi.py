"""The OpenAPI document generated from the endpoint table, and the sandbox held to it.

Schemathesis reads the document the sandbox serves at ``/openapi.json`` and sends
every operation bodies that fit it and bodies that break it (wrong types, missing
fields, extra nesting); every answer must be documented: no 5xx, errors only in the
error shape, successes as the document says.
"""

from __future__ import annotations

import json
import urllib.request

import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from sr_frames.endpoints import ENDPOINTS, endpoint
from sr_frames.endpoints.openapi import ERROR_STATUSES, openapi_document

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
EXAMPLES_PER_OPERATION = 30


def fetch(url: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with _OPENER.open(request, timeout=10) as response:
        return json.loads(response.read())


def test_the_document_has_one_operation_per_endpoint_with_its_fields():
    document = openapi_document()

    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {ep.path for ep in ENDPOINTS}
    find_email = document["paths"][endpoint("find_email").path]["post"]
    body = find_email["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["first_name", "last_name", "company_domain"]
    assert body["properties"]["company_domain"] == {"type": "string", "format": "hostname"}
    assert set(find_email["responses"]) == {"200", *map(str, ERROR_STATUSES)}


def test_the_login_is_the_only_operation_without_bearer_auth():
    document = openapi_document()

    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    unauthenticated = [op["operationId"] for path in document["paths"].values()
                       for op in path.values() if op.get("security") == []]
    assert unauthenticated == ["login"]


def test_success_shapes_follow_the_envelopes_of_the_table():
    paths = openapi_document()["paths"]

    def answer(method: str) -> dict:
        return paths[endpoint(method).path]["post"]["responses"]["200"]["content"][
            "application/json"]["schema"]

    assert answer("verify_email")["properties"]["confidence_score"] == {"type": ["integer", "string"]}
    assert answer("verify_phones")["type"] == "array"
    assert answer("create_list")["properties"]["list_id"] == {"type": "string"}
    assert answer("campaign_statistics")["required"] == ["data"]


def test_the_sandbox_serves_the_document_with_itself_as_the_server(sandbox):
    served = fetch(sandbox.url + "/openapi.json")

    assert served["servers"] == [{"url": sandbox.url}]
    assert served["paths"] == openapi_document()["paths"]


schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                max_examples=EXAMPLES_PER_OPERATION)


@pytest.fixture(scope="module")
def token(sandbox) -> str:
    return fetch(sandbox.url + "/auth/accessToken",
                 {"username": "analyst@example.com", "password": "pw"})["access_token"]


CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
]


@schema.parametrize()
@hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                     suppress_health_check=list(hypothesis.HealthCheck))
def test_the_sandbox_answers_every_operation_as_documented(case, sandbox, token):
    response = case.call_and_validate(base_url=sandbox.url, checks=CHECKS,
                                      headers={"Authorization": f"Bearer {token}"})

    if response.status_code >= 400:  # errors carry nothing but the error shape
        error = response.json()["error"]
        assert set(error) == {"status_code", "message"}
        assert error["status_code"] == response.status_code
