"""Search endpoints of the JSON API: GET /api/search/members, GET /api/skills/suggest and
GET /api/messages/search (in the caller's own conversations).

Session or token auth (the API default): anonymous callers get 401. Bad input answers 400 with
{"error": code, "detail": text}: a query over 500 characters ("query_too_long"), an unknown
filter value ("unknown_filter"), a malformed number or boolean ("invalid"), an empty message
search ("query_required"). A broken index is no error: a plain query answers with
"incomplete": true and a notice (search.health); 503 "search_unavailable" only if that fails too.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from community.core.errors import ServiceError
from search.selectors import FacetValue, search_members, search_messages, suggest_skills

router = Router(tags=["search"])


class SpaceOut(Schema):
    slug: str
    name: str
    region: str


class MemberHitOut(Schema):
    username: str
    display_name: str
    headline: str
    skills: list[str]
    languages: list[str]
    space: SpaceOut | None
    available: bool
    score: float
    highlights: dict[str, list[str]]
    profile_url: str
    message_url: str
    # Why they were found: whether they offer or are what is asked (False: only a word of it in
    # their bio), the asked skills they offer (slugs), the asked languages they speak, how far.
    strong: bool
    matched_skills: list[str]
    speaks: list[str]
    distance_km: float | None


class FacetOut(Schema):
    name: str
    count: int
    value: str


class FacetsOut(Schema):
    skills: list[FacetOut]
    spaces: list[FacetOut]
    regions: list[FacetOut]
    languages: list[FacetOut]
    available: list[FacetOut]


class SearchOut(Schema):
    # count = strong_count + weak_count: members who offer or are what is asked, and members who
    # only mention a word of it in their bio. no_answer: something was asked and nobody offers it;
    # related_skills are then skills to try instead.
    count: int
    strong_count: int
    weak_count: int
    no_answer: bool
    related_skills: list[FacetOut]
    page: int
    page_size: int
    results: list[MemberHitOut]
    facets: FacetsOut
    notice: str | None = None
    # The index could not be trusted and a plain query answered (or it lacks members): the
    # results may be incomplete; `notice` says so in words.
    incomplete: bool = False


class SuggestionOut(Schema):
    name: str
    slug: str
    count: int


class SuggestionsOut(Schema):
    results: list[SuggestionOut]


class SearchParams(Schema):
    q: str = ""
    skill: list[str] = []
    space: list[str] = []
    region: list[str] = []
    language: list[str] = []
    available: bool | None = None
    page: int = 1
    page_size: int = 20


def _facet(value: FacetValue) -> dict:
    return {"name": value.name, "count": value.count, "value": value.key}


@router.get("/search/members", response=SearchOut, url_name="search_members")
def search_members_endpoint(request: HttpRequest, params: Query[SearchParams]):
    """Members who can help with `q` (FR/NL/EN, typos welcome), best first, with facets."""
    filters = {
        "skill": params.skill,
        "space": params.space,
        "region": params.region,
        "language": params.language,
        "available": params.available,
    }
    # InvalidSearch is a ServiceError: the API root answers it as a 400 with its code.
    page = search_members(
        query=params.q,
        searcher=request.user,
        filters=filters,
        page=params.page,
        page_size=params.page_size,
    )
    results = []
    for result in page.results:
        member = result.member
        space = member.home_space
        results.append(
            {
                "username": member.username,
                "display_name": member.display_name,
                "headline": member.headline,
                "skills": [label for _, label, _ in result.skills],
                "languages": result.languages,
                "space": {"slug": space.slug, "name": space.name, "region": space.region} if space else None,
                "available": member.available,
                "score": result.score,
                "highlights": result.highlights,
                "profile_url": member.get_absolute_url(),
                "message_url": reverse("messaging:with_member", args=[member.username]),
                "strong": result.strong,
                "matched_skills": result.matched_skills,
                "speaks": result.speaks,
                "distance_km": result.distance_km,
            }
        )
    return {
        "count": page.count,
        "strong_count": page.strong_count,
        "weak_count": page.weak_count,
        "no_answer": page.no_answer,
        "related_skills": [_facet(value) for value in page.related_skills],
        "page": page.page,
        "page_size": page.page_size,
        "results": results,
        "facets": {kind: [_facet(value) for value in values] for kind, values in page.facets.items()},
        "notice": page.notice,
        "incomplete": page.incomplete,
    }


@router.get("/skills/suggest", response=SuggestionsOut, url_name="suggest_skills")
def suggest_skills_endpoint(request: HttpRequest, prefix: str = "", limit: int = 10):
    """Skills whose name or synonym, in French, Dutch or English, starts with `prefix`."""
    if len(prefix) > 100:
        raise ServiceError("prefix_too_long", _("The prefix must be at most 100 characters."))
    if not 1 <= limit <= 50:
        raise ServiceError("invalid", _("limit must be between 1 and 50."))
    return {"results": suggest_skills(prefix=prefix, limit=limit)}


class MessageHitOut(Schema):
    message: int
    conversation: int
    conversation_name: str
    sender: str
    created: datetime
    # Safe HTML: the message's text escaped, matched words in <mark>.
    snippet: str
    url: str


class MessageSearchOut(Schema):
    count: int
    results: list[MessageHitOut]
    notice: str | None = None
    incomplete: bool = False


@router.get("/messages/search", response=MessageSearchOut, url_name="search_messages")
def search_messages_endpoint(request: HttpRequest, q: str = "", limit: int = 20, offset: int = 0):
    """Messages of the caller's conversations with every word of `q`, best first, newest among equals."""
    page = search_messages(member=request.user, query=q, limit=limit, offset=offset)
    return {
        "count": page.count,
        "results": [
            {
                "message": result.message_id,
                "conversation": result.conversation_id,
                "conversation_name": result.conversation_name,
                "sender": result.sender_name,
                "created": result.created,
                "snippet": result.snippet,
                "url": result.url,
            }
            for result in page.results
        ],
        "notice": page.notice,
        "incomplete": page.incomplete,
    }
