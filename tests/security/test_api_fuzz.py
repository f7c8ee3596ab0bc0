"""The JSON API fuzzed with schemathesis from its own OpenAPI schema.

Every operation published at /api/openapi.json gets generated valid and invalid inputs, sent
through the real ASGI application (auth, middleware, routers) with a member's API token. No input
may produce a 5xx, and every answer is JSON: data on success, `{"error", "detail"}` on a 4xx.

Bounded so the whole file runs in well under a minute: FUZZ_EXAMPLES (default 15) examples per
operation and generation mode, derandomized so a failure replays; raise it locally to dig deeper.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from community.asgi import application
from profiles.models import ApiToken
from tests.factories import MemberFactory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
TOKEN = "fuzz-" + "0123456789abcdef" * 3


@pytest.fixture
def api_world(transactional_db):
    """A member with a token, a conversation with messages and some skills, so ids can hit real rows."""
    from messaging.services import conversation_direct_get_or_create, message_send

    member = MemberFactory(username="fuzzer", offers=["translation", "graphic design"])
    other = MemberFactory(username="fuzzed", offers=["vertaler"])
    ApiToken.objects.create(member=member, key=TOKEN, name="fuzz")
    conversation = conversation_direct_get_or_create(member=member, other=other)
    for n in range(3):
        message_send(sender=member, conversation=conversation, body=f"hello {n}", client_id=f"fuzz-{n}")
    return member


def _operations():
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", application)
    return [result.ok() for result in schema.get_all_operations()]


def _assert_well_behaved(case, response) -> None:
    where = f"{case.method} {case.formatted_path} query={case.query} -> {response.status_code}"
    assert response.status_code < 500, f"{where}: {response.text[:500]}"
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), where
    body = response.json()
    if response.status_code >= 400:
        assert set(body) == {"error", "detail"}, f"{where}: {body}"
        assert isinstance(body["error"], str) and body["error"], where


def _takes_input(operation) -> bool:
    # The credentials are sent by the test itself, as a valid token.
    return any(p.name not in ("Authorization", "sessionid") for p in operation.iter_parameters())


@pytest.mark.slow
def test_schema_is_published_and_covers_the_api(api_world):
    operations = _operations()

    labels = {op.label for op in operations}
    assert "GET /api/conversations/" in labels
    assert len(operations) >= 2


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_fuzzed_api_never_answers_5xx_and_always_json(api_world, mode):
    checked: dict[str, int] = {}

    for operation in _operations():
        if mode == GenerationMode.NEGATIVE and not _takes_input(operation):
            continue  # nothing to get wrong: no parameter and no body

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            response = case.call(headers={"Authorization": f"Token {TOKEN}"})
            _assert_well_behaved(case, response)
            checked[case.operation.label] = checked.get(case.operation.label, 0) + 1

        fuzz()

    assert checked, "no operation was exercised"


@pytest.mark.parametrize(
    ("path", "method", "body"),
    [
        ("/api/notifications/push/unsubscribe", "post", '{"endpoint": "https://push.example/\\ud800"}'),
        ("/api/notifications/preferences", "patch", '{"mentions\\udfff": "never"}'),
        ("/api/notifications/preferences", "patch", "[" * 3000 + "]" * 3000),
        ("/api/notifications/preferences", "patch", '{"mentions": ["x", {"b": "\\ud800"}]}'),
    ],
)
@pytest.mark.django_db
def test_json_no_endpoint_could_store_is_a_400_not_a_500(path, method, body):
    from django.test import Client

    from tests.factories import MemberFactory

    client = Client(raise_request_exception=False)
    client.force_login(MemberFactory())

    response = getattr(client, method)(path, body, content_type="application/json")

    assert 400 <= response.status_code < 500, response.content[:200]
    assert response.json()["error"]
