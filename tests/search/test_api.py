"""GET /api/search/members and GET /api/skills/suggest: the contract, auth and bad input."""

from __future__ import annotations

import pytest
from django.test import Client

from profiles.models import ApiToken
from search.services import index_rebuild
from tests.search.conftest import make_person


@pytest.fixture
def indexed(spaces, member):
    make_person(
        "anne",
        name="Anne Dupont",
        headline="Traductrice <FR-NL>",
        bio="Je traduis des sites web.",
        skills=("translation", "proofreading"),
        languages=("fr", "nl"),
        space=spaces["brussels"],
        available=True,
    )
    make_person(
        "pieter",
        name="Pieter Claes",
        headline="Vertaler",
        skills=("translation",),
        languages=("nl",),
        space=spaces["gent"],
    )
    index_rebuild()


def test_anonymous_callers_get_401_in_json(client, indexed):
    for url in ("/api/search/members?q=traducteur", "/api/skills/suggest?prefix=tra"):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthenticated"


def test_search_answers_the_documented_shape(member_client, indexed):
    response = member_client.get("/api/search/members", {"q": "traductrice", "region": "brussels"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    hit = body["results"][0]
    assert {
        "username",
        "display_name",
        "headline",
        "skills",
        "languages",
        "space",
        "available",
        "score",
        "highlights",
    } <= set(hit)
    assert hit["username"] == "anne"
    assert hit["space"] == {"slug": "hub-brussels", "name": "Hub Brussels", "region": "brussels"}
    assert hit["skills"] == ["Proofreading", "Translation"]
    assert hit["languages"] == ["fr", "nl"]
    assert hit["available"] is True and hit["score"] > 0
    assert hit["highlights"]["headline"] == ["<mark>Traductrice</mark> &lt;FR-NL&gt;"]
    assert hit["message_url"] == "/messages/with/anne/"
    assert {"skills", "spaces", "languages"} <= set(body["facets"])
    assert {"name": "Translation", "count": 1, "value": "translation"} in body["facets"]["skills"]


def test_search_says_who_offers_it_and_why_each_member_was_found(member_client, indexed):
    body = member_client.get("/api/search/members", {"q": "traductrice néerlandais"}).json()

    # Both offer translation: strong matches, whoever only mentions it in a bio would be weak.
    assert body["strong_count"] == 2 and body["weak_count"] == 0
    assert body["strong_count"] + body["weak_count"] == body["count"]
    assert body["no_answer"] is False
    assert isinstance(body["related_skills"], list)
    hits = {hit["username"]: hit for hit in body["results"]}
    assert hits["anne"]["strong"] is True
    assert hits["anne"]["matched_skills"] == ["translation"]
    assert hits["anne"]["speaks"] == ["nl"] and hits["pieter"]["speaks"] == ["nl"]
    assert all(hit["distance_km"] is None or hit["distance_km"] >= 0 for hit in hits.values())


def test_a_need_nobody_offers_is_a_no_answer(member_client, indexed):
    body = member_client.get("/api/search/members", {"q": "restaurateur de vitraux"}).json()

    assert body["count"] == 0 and body["strong_count"] == 0
    assert body["no_answer"] is True
    for skill in body["related_skills"]:
        assert set(skill) == {"name", "value", "count"}


def test_facet_and_skill_names_follow_the_language(member_client, indexed):
    body = member_client.get("/api/search/members", {"q": "vertaler"}, HTTP_ACCEPT_LANGUAGE="fr").json()
    assert {"name": "Traduction", "count": 2, "value": "translation"} in body["facets"]["skills"]
    suggestions = member_client.get(
        "/api/skills/suggest", {"prefix": "vert"}, HTTP_ACCEPT_LANGUAGE="nl"
    ).json()
    assert suggestions["results"][0] == {"name": "Vertaling", "slug": "translation", "count": 2}


def test_token_auth_sees_what_the_session_sees(client, member, indexed):
    ApiToken.objects.create(member=member, key="k" * 40, name="test")
    response = client.get("/api/search/members", {"q": "vertaler"}, HTTP_AUTHORIZATION="Token " + "k" * 40)
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_empty_query_lists_members_within_the_filters(member_client, indexed):
    body = member_client.get("/api/search/members", {"language": "nl"}).json()
    assert sorted(hit["username"] for hit in body["results"]) == ["anne", "pieter"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"q": "x" * 10_000}, "query_too_long"),
        ({"q": "a", "skill": "underwater-basket-weaving"}, "unknown_filter"),
        ({"q": "a", "space": "nowhere"}, "unknown_filter"),
        ({"q": "a", "region": "atlantis"}, "unknown_filter"),
        ({"q": "a", "language": "xx"}, "unknown_filter"),
        ({"q": "a", "available": "maybe"}, "invalid"),
        ({"q": "a", "page": "0"}, "invalid_page"),
        ({"q": "a", "page": "two"}, "invalid"),
        ({"q": "a", "page_size": "1000"}, "invalid_page"),
    ],
)
def test_bad_input_is_a_400_with_a_json_error(member_client, indexed, params, code):
    response = member_client.get("/api/search/members", params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == code
    assert body["detail"]


def test_suggest_rejects_an_overlong_prefix(member_client, indexed):
    response = member_client.get("/api/skills/suggest", {"prefix": "x" * 101})
    assert response.status_code == 400
    assert response.json()["error"] == "prefix_too_long"
    assert member_client.get("/api/skills/suggest", {"prefix": "tra", "limit": "0"}).status_code == 400
    assert member_client.get("/api/skills/suggest", {"prefix": ""}).json() == {"results": []}


def test_a_query_of_control_characters_and_markup_is_harmless(member_client, indexed):
    response = member_client.get("/api/search/members", {"q": "\x00\x02<script>\"'%_*()"})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_schema_documents_both_endpoints(client, db):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "/api/search/members" in paths and "/api/skills/suggest" in paths
    schemas = schema["components"]["schemas"]
    assert {"strong_count", "weak_count", "no_answer", "related_skills"} <= set(
        schemas["SearchOut"]["properties"]
    )
    assert {"strong", "matched_skills", "speaks", "distance_km"} <= set(schemas["MemberHitOut"]["properties"])


def test_client_without_session_or_token_in_another_tab_is_refused(db):
    assert Client().get("/api/search/members").status_code == 401
