"""Reads of the search app: "who can help me?" for the page, the JSON API and other apps.

    from search.selectors import search_members
    page = search_members(query="vertaler Frans", searcher=request.user, filters={"region": "brussels"})
    for result in page.results:
        result.member, result.username, result.score, result.highlights

The help board matches a request to members with the same call; `search.query.understand(text)`
tells which canonical skills a text names.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from html import escape

from django.db import DatabaseError
from django.db.models import Count
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from community.core.errors import ServiceError
from community.network.models import CheckIn, Region, Space
from community.network.places import distance_km
from community.network.selectors import checked_in_member_ids, space_points
from messaging.models import Message
from messaging.selectors import (
    conversation_names,
    readable_conversation_ids,
    readable_history_starts,
    readable_messages,
)
from profiles.models import LANGUAGE_NAMES, Language, Member, OfferedSkill, Skill, SkillTag
from profiles.visibility import visibility_levels
from search import health
from search.backends import SearchUnavailable, fallback, get_backend
from search.backends.base import (
    AREA_RADIUS_KM,
    PLACE_RADIUS_KM,
    TIER_SCALE,
    TIER_STRONG,
    BackendResult,
    MessageSearchRequest,
    SearchContext,
    SearchFilters,
    SearchRequest,
)
from search.highlight import engine_fragment_fits, highlight_skill, highlight_terms, highlight_text
from search.query import MAX_QUERY_LENGTH, ParsedQuery, QueryTooLong, message_query, taxonomy, understand
from search.tasks import index_repair_soon

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100
MAX_FILTER_VALUES = 20
FILTER_NAMES = {
    "skill": "skills",
    "skills": "skills",
    "space": "spaces",
    "spaces": "spaces",
    "region": "regions",
    "regions": "regions",
    "language": "languages",
    "languages": "languages",
    "available": "available",
}
TRUE_VALUES, FALSE_VALUES = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class InvalidSearch(ServiceError):
    """Bad input: `code` is stable for programs ("query_too_long", "unknown_filter", ...)."""


@dataclass
class SearchResult:
    """One member found: `member` is loaded with home space, languages and offered skills."""

    member_id: int
    username: str
    score: float
    highlights: dict[str, list[str]]
    member: Member
    skills: list[tuple[str, str, str | None]] = field(default_factory=list)  # (key, label, highlighted html)
    languages: list[str] = field(default_factory=list)
    # Why they were found, for the page and the help board: the skills asked for that they offer
    # (slugs, in the request's order), the spoken languages asked for that they speak, whether
    # they match strongly (what they offer or are: skills, headline, profession, name) rather than
    # by a word of their bio, and how far their space is from where the searcher is (or the
    # place the request names), None when unknown.
    matched_skills: list[str] = field(default_factory=list)
    speaks: list[str] = field(default_factory=list)
    strong: bool = True
    distance_km: float | None = None


@dataclass
class FacetValue:
    key: str
    name: str
    count: int
    selected: bool = False


@dataclass
class SearchPage:
    """A page of results: exact `count` over all pages, facets over all filtered results."""

    query: ParsedQuery
    filters: SearchFilters
    count: int
    page: int
    page_size: int
    results: list[SearchResult]
    facets: dict[str, list[FacetValue]]
    backend: str
    notice: str | None = None
    # The index could not be trusted (search.health): a plain query answered, or the index
    # holds fewer members than it should. The notice says so.
    incomplete: bool = False
    # Honest counts: `strong_count` members offer or are what is asked (skills, headline,
    # profession, name); `weak_count` only mention a word of it in their bio. count = both.
    strong_count: int = 0
    weak_count: int = 0
    # A need nobody offers: skills related to the ones asked (same category), to try instead.
    related_skills: list[FacetValue] = field(default_factory=list)

    @property
    def no_answer(self) -> bool:
        """The request asks for something and nobody offers it (weak mentions may remain)."""
        return not self.query.is_empty and self.strong_count == 0

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def parse_filters(filters: dict | None) -> SearchFilters:
    """Validated filters from {"skill": "translation", "space": [...], "available": "true"}.

    Raises InvalidSearch("unknown_filter", ...) for a filter or a value that does not exist."""
    values: dict[str, list[str]] = {"skills": [], "spaces": [], "regions": [], "languages": []}
    available: bool | None = None
    for name, raw in (filters or {}).items():
        target = FILTER_NAMES.get(name)
        if target is None:
            raise InvalidSearch("unknown_filter", _("Unknown filter: %(name)s") % {"name": name})
        items = [raw] if isinstance(raw, str | bool | int) or raw is None else list(raw)
        items = [item for item in items if item is not None and str(item).strip() != ""]
        if target == "available":
            if not items:
                continue
            text = str(items[-1]).strip().lower()
            if isinstance(items[-1], bool):
                available = items[-1]
            elif text in TRUE_VALUES or text in FALSE_VALUES:
                available = text in TRUE_VALUES
            else:
                raise InvalidSearch(
                    "unknown_filter",
                    _("available must be true or false, not %(value)s") % {"value": text[:40]},
                )
            continue
        if len(items) > MAX_FILTER_VALUES:
            raise InvalidSearch("unknown_filter", _("Too many values for %(name)s.") % {"name": name})
        values[target] += [str(item).strip() for item in items]
    _check_known(values["skills"], _known_skills, _("Unknown skill: %(value)s"))
    _check_known(
        values["spaces"],
        lambda v: set(Space.objects.filter(slug__in=v).values_list("slug", flat=True)),
        _("Unknown space: %(value)s"),
    )
    _check_known(values["regions"], lambda v: set(Region.values) & set(v), _("Unknown region: %(value)s"))
    _check_known(values["languages"], _known_languages, _("Unknown language: %(value)s"))
    return SearchFilters(
        skills=tuple(dict.fromkeys(values["skills"])),
        spaces=tuple(dict.fromkeys(values["spaces"])),
        regions=tuple(dict.fromkeys(values["regions"])),
        languages=tuple(dict.fromkeys(values["languages"])),
        available=available,
    )


def _check_known(values: list[str], known, message: str) -> None:
    if not values:
        return
    found = known(values)
    for value in values:
        if value not in found:
            raise InvalidSearch("unknown_filter", message % {"value": value[:80]})


def _known_skills(values: list[str]) -> set[str]:
    canonical = set(taxonomy().labels) & set(values)
    return canonical | set(
        SkillTag.objects.filter(slug__in=values, skill__isnull=True).values_list("slug", flat=True)
    )


def _known_languages(values: list[str]) -> set[str]:
    return set(LANGUAGE_NAMES) & set(values) | set(
        Language.objects.filter(code__in=values).values_list("code", flat=True)
    )


def _understand(query: str) -> ParsedQuery:
    try:
        return understand(query or "")
    except QueryTooLong:
        raise InvalidSearch(
            "query_too_long",
            _("Your search is too long: keep it under %(max)d characters.") % {"max": MAX_QUERY_LENGTH},
        ) from None


def search_context(searcher: Member | None, parsed: ParsedQuery | None = None) -> SearchContext:
    """Who searches: what they may see, where they are (checked in, else home space), who is
    there, and, for `parsed`, how far every space is from them or from the place it names."""
    if searcher is None or not getattr(searcher, "is_authenticated", False):
        context = SearchContext(visibilities=visibility_levels(searcher))
    else:
        space_id = (
            CheckIn.objects.filter(member=searcher, ended_at__isnull=True)
            .values_list("space_id", flat=True)
            .first()
            or searcher.home_space_id
        )
        space = Space.objects.filter(id=space_id).values_list("slug", "region").first() if space_id else None
        context = SearchContext(
            member_id=searcher.pk,
            visibilities=visibility_levels(searcher),
            space_id=space_id if space else None,
            space_slug=space[0] if space else None,
            region=space[1] if space else None,
            checked_in_ids=frozenset(checked_in_member_ids(space_id=space_id)) if space else frozenset(),
        )
    return _with_places(context, parsed) if parsed is not None else context


def _is_at(point, place) -> bool:
    """Whether a space is at a place a request names: in the region, or near the city or area."""
    if place.kind == "region":
        return point.region == place.region
    radius = PLACE_RADIUS_KM if place.kind == "city" else AREA_RADIUS_KM
    return distance_km((place.latitude, place.longitude), point.location) <= radius


def _with_places(context: SearchContext, parsed: ParsedQuery) -> SearchContext:
    """The distances from the place the request names (a city or an area), else from where the
    searcher is; and the spaces at the places it names."""
    points = space_points()
    origin = next(
        ((p.latitude, p.longitude) for p in parsed.places if p.kind != "region"),
        points[context.space_id].location if context.space_id in points else None,
    )
    space_km = {i: distance_km(origin, point.location) for i, point in points.items()} if origin else {}
    at_place = None
    if parsed.places:
        at_place = {i for i, point in points.items() if any(_is_at(point, p) for p in parsed.places)}
    return replace(
        context,
        space_km=space_km,
        place_space_ids=frozenset(at_place) if at_place is not None else None,
        place_space_slugs=frozenset(points[i].slug for i in at_place or ()),
    )


def search_members(
    *,
    query: str,
    searcher: Member | None = None,
    filters: dict | None = None,
    page: int = 1,
    page_size: int = 20,
) -> SearchPage:
    """Members who can help with `query` (free text in FR/NL/EN, typos welcome), best first.

    Promises: hidden and inactive members never appear; an anonymous searcher (None or
    AnonymousUser) only finds public profiles; the searcher never finds themself; an empty query
    lists members by the boosts alone (available, same space, same region) within the filters.
    Ranking: relevance (skills offered, then headline/profession, name, bio) times boosts for
    availability, being checked in where the searcher is, same space, same region and speaking a
    language the query names. `count` and `facets` cover every filtered result, not just the page.
    If Elasticsearch is configured but unreachable, the database backend answers and `notice`
    says so. Raises InvalidSearch for bad input: a query longer than MAX_QUERY_LENGTH
    ("query_too_long"), an unknown filter or value ("unknown_filter"), a bad page ("invalid_page").
    """
    if not isinstance(page, int) or page < 1 or page > 10_000:
        raise InvalidSearch("invalid_page", _("The page must be a number from 1."))
    if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidSearch(
            "invalid_page", _("The page size must be between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE}
        )
    parsed = _understand(query)
    parsed_filters = parse_filters(filters)
    request = SearchRequest(
        query=parsed,
        filters=parsed_filters,
        context=search_context(searcher, parsed),
        page=page,
        page_size=page_size,
    )
    result, backend_name, notice, incomplete = _run_search(request)
    strong_count = result.count if result.strong_count is None else min(result.strong_count, result.count)
    facets = _facets(result, parsed_filters)
    return SearchPage(
        query=parsed,
        filters=parsed_filters,
        count=result.count,
        strong_count=strong_count,
        weak_count=result.count - strong_count,
        page=page,
        page_size=page_size,
        results=_results(result, parsed, request.context),
        facets=facets,
        backend=backend_name,
        notice=notice,
        incomplete=incomplete,
        related_skills=_related_skills(parsed, facets) if not parsed.is_empty and not strong_count else [],
    )


# Pages that list members their own way (the directory) take this many text matches at most.
MAX_TEXT_MATCHES = 500


@dataclass(frozen=True)
class TextReading:
    """How a page that lists members its own way (the directory) narrows them to a request.

    `skill`: the request names one skill and nothing else ("vertaler", "graphic design"): its
    offerers, which the page reads from its own skill index. Otherwise `member_ids`: the members
    the search found, best first (MAX_TEXT_MATCHES at most)."""

    skill: str | None = None
    member_ids: list[int] | None = None


def read_text_for_listing(
    *, query: str, searcher: Member | None = None, filters: dict | None = None
) -> TextReading:
    """The same understanding and ranking as `search_members`, without loading anyone.

    Raises InvalidSearch as search_members does."""
    parsed = _understand(query)
    # One skill, every word of it typed in full (or a typo of it): "ghostwrit" is still a word
    # being looked for in names and headlines, "vertaler" is the skill.
    tax = taxonomy()
    named_alone = (
        len(parsed.skill_slugs) == 1
        and parsed.terms
        and set(parsed.terms) <= parsed.skill_terms
        and not parsed.languages
        and all(tax.names_in_full(word) or word in parsed.corrections for word in parsed.words)
    )
    if named_alone:
        return TextReading(skill=parsed.skill_slugs[0])
    request = SearchRequest(
        query=parsed,
        filters=parse_filters(filters),
        context=search_context(searcher, parsed),
        page=1,
        page_size=MAX_TEXT_MATCHES,
        hits_only=True,
    )
    result, _backend, _notice, _incomplete = _run_search(request)
    return TextReading(member_ids=[hit.member_id for hit in result.hits])


def _incomplete_notice() -> str:
    return _("The search index is being repaired: results may be incomplete.")


def _database_search(request: SearchRequest) -> tuple[BackendResult, str, bool]:
    """The database backend's answer, or the fallback's when its index cannot be trusted:
    (result, "database" or "fallback", whether the results may be incomplete)."""
    marked = health.index_marked(health.MEMBERS)
    if marked in health.UNUSABLE:
        return _fallback_search(request), "fallback", True
    try:
        with health.savepoint():
            result = get_backend("database").search(request)
    except DatabaseError as error:
        health.index_failed(health.MEMBERS, error)
        index_repair_soon()
        return _fallback_search(request), "fallback", True
    if not result.hits and not request.query.is_empty and request.page == 1 and health.canary_says_broken():
        index_repair_soon()
        return _fallback_search(request), "fallback", True
    return result, "database", marked is not None


def _fallback_search(request: SearchRequest) -> BackendResult:
    try:
        with health.savepoint():
            return fallback.search(request)
    except DatabaseError as error:
        logger.error("search fallback failed too: %s", error)
        raise InvalidSearch(
            "search_unavailable",
            _("Search is unavailable right now. Please try again in a minute."),
            status=503,
        ) from error


def _run_search(request: SearchRequest) -> tuple[BackendResult, str, str | None, bool]:
    """(result, what answered, notice, incomplete). Elasticsearch unreachable: the database
    backend; its index broken: the fallback (search.health)."""
    backend = get_backend()
    notice = None
    if backend.name != "database":
        try:
            return backend.search(request), backend.name, None, False
        except SearchUnavailable as error:
            logger.warning(
                "search backend %s unavailable, answering from the database: %s", backend.name, error
            )
            notice = _(
                "The search server is not answering right now: these results come from the built-in search."
            )
    result, answered_by, incomplete = _database_search(request)
    return result, answered_by, _incomplete_notice() if incomplete else notice, incomplete


MEMBER_FIELDS = (
    "id",
    "username",
    "display_name",
    "headline",
    "profession",
    "bio",
    "avatar",
    "available",
    "visibility",
    "offers_free_advice",
    "offers_paid_service",
    "offers_skill_swap",
    "kind",
    "home_space__id",
    "home_space__slug",
    "home_space__name",
    "home_space__region",
    "home_space__city",
)


def _load_members(ids: list[int], visibilities: tuple[str, ...]) -> dict[int, Member]:
    """The members of a page with what a result shows, in four queries whatever the page size."""
    # By primary key only, visibility checked here: given `visibility IN (...)` too, SQLite's
    # planner picks the visibility index and reads every member instead of twenty.
    members = {
        member.id: member
        for member in Member.objects.filter(id__in=ids)
        .select_related("home_space")
        .only(*MEMBER_FIELDS, "is_active")
        if member.is_active and member.visibility in visibilities
    }
    languages: dict[int, list[str]] = {member_id: [] for member_id in members}
    for member_id, code in (
        Member.languages.through.objects.filter(member_id__in=members)
        .order_by("language_id")
        .values_list("member_id", "language_id")
    ):
        languages[member_id].append(code)
    lang = (translation.get_language() or "en")[:2]
    skills: dict[int, list[tuple[str, str]]] = {member_id: [] for member_id in members}
    for member_id, tag_slug, tag_name, skill_slug, en, fr, nl in OfferedSkill.objects.filter(
        content_object_id__in=members
    ).values_list(
        "content_object_id",
        "tag__slug",
        "tag__name",
        "tag__skill__slug",
        "tag__skill__name_en",
        "tag__skill__name_fr",
        "tag__skill__name_nl",
    ):
        if skill_slug:
            label = {"en": en, "fr": fr, "nl": nl}.get(lang) or en
            skills[member_id].append((skill_slug, label))
        else:
            skills[member_id].append((tag_slug, tag_name))
    for member_id, member in members.items():
        member.search_languages = languages[member_id]
        member.search_skills = sorted(skills[member_id], key=lambda item: item[1].lower())
    return members


def _results(result: BackendResult, parsed: ParsedQuery, context: SearchContext) -> list[SearchResult]:
    members = _load_members([hit.member_id for hit in result.hits], context.visibilities)
    results = []
    for hit in result.hits:
        member = members.get(hit.member_id)
        if member is None:  # changed since it was indexed (hidden, deleted): never shown
            continue
        highlights = (
            _text_highlights(member, parsed)
            if hit.highlights is None
            else _engine_highlights(hit.highlights, member, parsed)
        )
        skills = [
            (key, label, highlight_skill(label, key, parsed) if not parsed.is_empty else None)
            for key, label in member.search_skills
        ]
        offered = {key for key, _label in member.search_skills}
        marked = [html for _, _, html in skills if html]
        if marked:
            highlights["skills"] = marked
        results.append(
            SearchResult(
                member_id=member.id,
                username=member.username,
                score=hit.score,
                highlights=highlights,
                member=member,
                skills=skills,
                languages=member.search_languages,
                matched_skills=[slug for slug in parsed.skill_slugs if slug in offered],
                speaks=[code for code in parsed.languages if code in member.search_languages],
                strong=parsed.is_empty or hit.score >= TIER_STRONG * TIER_SCALE,
                distance_km=context.space_km.get(member.home_space_id) if member.home_space_id else None,
            )
        )
    return results


HIGHLIGHTED_FIELDS = (("display_name", False), ("headline", False), ("profession", False), ("bio", True))


def _text_highlights(
    member: Member, parsed: ParsedQuery, only: set[str] | None = None
) -> dict[str, list[str]]:
    if parsed.is_empty:
        return {}
    highlights = {}
    for name, fragment in HIGHLIGHTED_FIELDS:
        if only is not None and name not in only:
            continue
        marked = highlight_text(getattr(member, name), parsed, fragment=fragment)
        if marked:
            highlights[name] = [marked]
    return highlights


def _engine_highlights(
    found: dict[str, list[str]], member: Member, parsed: ParsedQuery
) -> dict[str, list[str]]:
    """The search engine's highlights, each checked against the member's text before a page shows
    it (pages render them unescaped); a field whose fragment does not fit is highlighted here."""
    highlights, redo = {}, set()
    for name, fragments in found.items():
        if all(engine_fragment_fits(fragment, getattr(member, name, "") or "") for fragment in fragments):
            highlights[name] = list(fragments)
        else:
            logger.warning(
                "search engine highlight of %s for member %s refused: %r", name, member.pk, fragments
            )
            redo.add(name)
    if redo:
        highlights.update(_text_highlights(member, parsed, only=redo))
    return highlights


def _facets(result: BackendResult, filters: SearchFilters) -> dict[str, list[FacetValue]]:
    lang = (translation.get_language() or "en")[:2]
    labels = taxonomy().labels
    skill_keys = [key for key, _ in result.facets.get("skills", [])]
    free_names = dict(
        SkillTag.objects.filter(slug__in=[k for k in skill_keys if k not in labels]).values_list(
            "slug", "name"
        )
    )
    space_names = dict(
        Space.objects.filter(slug__in=[k for k, _ in result.facets.get("spaces", [])]).values_list(
            "slug", "name"
        )
    )
    regions = dict(Region.choices)
    return {
        "skills": [
            FacetValue(
                key,
                labels[key].get(lang) or labels[key]["en"] if key in labels else free_names.get(key, key),
                n,
                key in filters.skills,
            )
            for key, n in result.facets.get("skills", [])[:30]
        ],
        "spaces": [
            FacetValue(key, space_names.get(key, key), n, key in filters.spaces)
            for key, n in result.facets.get("spaces", [])
        ],
        "regions": [
            FacetValue(key, str(regions.get(key, key)), n, key in filters.regions)
            for key, n in result.facets.get("regions", [])
        ],
        "languages": [
            FacetValue(key, str(LANGUAGE_NAMES.get(key, key)), n, key in filters.languages)
            for key, n in result.facets.get("languages", [])
        ],
        "available": [
            FacetValue("true", _("Available to help"), n, filters.available is True)
            for _key, n in result.facets.get("available", [])
        ],
    }


MAX_RELATED_SKILLS = 8


def _related_skills(parsed: ParsedQuery, facets: dict[str, list[FacetValue]]) -> list[FacetValue]:
    """For a need nobody offers: the skills of the same category as those asked that someone
    offers, else the skills of those who mention it."""
    if parsed.skill_slugs:
        lang = (translation.get_language() or "en")[:2]
        siblings = (
            Skill.objects.filter(category__skills__slug__in=parsed.skill_slugs)
            .exclude(slug__in=parsed.skill_slugs)
            .annotate(offerers=Count("tag__offered_by", distinct=True))
            .filter(offerers__gt=0)
            .order_by("-offerers", "slug")
            .values_list("slug", "name_en", "name_fr", "name_nl", "offerers")[:MAX_RELATED_SKILLS]
        )
        return [
            FacetValue(slug, {"en": en, "fr": fr, "nl": nl}.get(lang) or en, n)
            for slug, en, fr, nl, n in siblings
        ]
    return facets.get("skills", [])[:MAX_RELATED_SKILLS]


def suggest_skills(*, prefix: str, limit: int = 10) -> list[dict]:
    """Skills whose name or synonym, in French, Dutch or English, starts with `prefix`.

    Returns [{"name": label in the active language, "slug": filter key, "count": members
    offering it}], best match first. Falls back to the database when Elasticsearch is down."""
    backend = get_backend()
    try:
        found = backend.suggest_skills(prefix, limit=limit)
    except SearchUnavailable:
        if backend.name == "database":
            raise
        found = get_backend("database").suggest_skills(prefix, limit=limit)
    lang = (translation.get_language() or "en")[:2]
    labels = taxonomy().labels
    free_names = dict(
        SkillTag.objects.filter(slug__in=[k for k, _ in found if k not in labels]).values_list("slug", "name")
    )
    return [
        {
            "name": (labels[key].get(lang) or labels[key]["en"])
            if key in labels
            else free_names.get(key, key),
            "slug": key,
            "count": count,
        }
        for key, count in found
    ]


# --- messages -------------------------------------------------------------------------------

MESSAGE_PAGE_MAX = 100
MESSAGE_OFFSET_MAX = 10_000
SNIPPET_CHARS = 160


@dataclass
class MessageSearchResult:
    """One message found: `snippet` is safe HTML (escaped text, <mark> around matched words)."""

    message_id: int
    conversation_id: int
    conversation_name: str
    sender_name: str
    created: datetime
    snippet: str
    url: str


@dataclass
class MessageSearchPage:
    query: str
    count: int
    results: list[MessageSearchResult]
    limit: int
    offset: int
    backend: str = "database"
    notice: str | None = None
    incomplete: bool = False

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.results) < self.count


def message_search_url(*, conversation_id: int, message_id: int) -> str:
    """The message in its conversation: the history page that ends with it, scrolled to it."""
    base = reverse("messaging:conversation", kwargs={"conversation_id": conversation_id})
    return f"{base}?before={message_id + 1}#message-{message_id}"


def _database_message_search(request: MessageSearchRequest, page: MessageSearchPage):
    """The database backend's hits, or the fallback's (noted on `page`) when its index cannot
    be trusted."""
    if health.index_marked(health.MESSAGES) not in health.UNUSABLE:
        try:
            with health.savepoint():
                return get_backend("database").search_messages(request)
        except DatabaseError as error:
            health.index_failed(health.MESSAGES, error)
            index_repair_soon()
    page.backend, page.incomplete, page.notice = "fallback", True, _incomplete_notice()
    try:
        with health.savepoint():
            return fallback.search_messages(request)
    except DatabaseError as error:
        logger.error("message search fallback failed too: %s", error)
        raise InvalidSearch(
            "search_unavailable",
            _("Search is unavailable right now. Please try again in a minute."),
            status=503,
        ) from error


def search_messages(*, member: Member, query: str, limit: int = 20, offset: int = 0) -> MessageSearchPage:
    """The messages of the member's conversations with every word of `query`, best first.

    Promises: only messages the member may read now (messaging.selectors.readable_messages: not
    in a conversation they declined or left, not from before they joined a lobby room), never a deleted one (checked
    against the database, whatever the index still holds); words folded (accents, case) and
    stemmed as search.text does (FR/NL/EN); snippets from the message as stored now, not from
    the index (an edit shows at once); ranked by relevance, newest first among equals;
    Elasticsearch unreachable: the database backend answers, with a notice. Raises InvalidSearch
    ("query_required", "query_too_long", "invalid") on bad input."""
    if not isinstance(query, str) or not query.strip():
        raise InvalidSearch("query_required", _("Type what to look for in your messages."))
    if not 1 <= limit <= MESSAGE_PAGE_MAX:
        raise InvalidSearch("invalid", _("limit must be between 1 and %(max)d.") % {"max": MESSAGE_PAGE_MAX})
    if not 0 <= offset <= MESSAGE_OFFSET_MAX:
        raise InvalidSearch(
            "invalid", _("offset must be between 0 and %(max)d.") % {"max": MESSAGE_OFFSET_MAX}
        )
    try:
        parsed = message_query(query)
    except QueryTooLong:
        raise InvalidSearch(
            "query_too_long",
            _("Your search is too long: keep it under %(max)d characters.") % {"max": MAX_QUERY_LENGTH},
        ) from None
    conversation_ids = tuple(readable_conversation_ids(member=member))
    page = MessageSearchPage(query=parsed.text, count=0, results=[], limit=limit, offset=offset)
    if parsed.is_empty or not conversation_ids:
        return page
    request = MessageSearchRequest(
        query=parsed,
        conversation_ids=conversation_ids,
        history_after=tuple(sorted(readable_history_starts(member=member).items())),
        limit=limit,
        offset=offset,
    )
    backend = get_backend()
    hits = None
    if backend.name != "database":
        try:
            hits = backend.search_messages(request)
            page.backend = backend.name
        except SearchUnavailable as error:
            logger.warning(
                "search backend %s unavailable, answering from the database: %s", backend.name, error
            )
            page.notice = _(
                "The search server is not answering right now: these results come from the built-in search."
            )
    if hits is None:
        hits = _database_message_search(request, page)
    page.count = hits.count
    # The index may lag a deletion or a member leaving: the database has the last word.
    messages = readable_messages(member=member).filter(pk__in=hits.message_ids)
    if any(f.name == "deleted_at" for f in Message._meta.get_fields()):
        messages = messages.filter(deleted_at__isnull=True)
    found = {message.pk: message for message in messages.select_related("sender")}
    names = conversation_names(member=member, conversation_ids={m.conversation_id for m in found.values()})
    terms = frozenset(parsed.terms)
    for message_id in hits.message_ids:
        message = found.get(message_id)
        if message is None or not message.body:
            continue
        snippet = highlight_terms(message.body, terms) or escape(Truncator(message.body).chars(SNIPPET_CHARS))
        page.results.append(
            MessageSearchResult(
                message_id=message.pk,
                conversation_id=message.conversation_id,
                conversation_name=names.get(message.conversation_id, ""),
                sender_name=str(message.sender),
                created=message.created,
                snippet=snippet,
                url=message_search_url(conversation_id=message.conversation_id, message_id=message.pk),
            )
        )
    return page
