"""Search without any index: what answers while the database backend's index is broken or empty.

A plain query over the member (or message) tables picks candidates, then the candidates'
documents (search.documents, the same documents every index is built from) are matched and
ranked in Python with the shared understanding (search.query.ParsedQuery) and the ranking rules
of base.py (tiers, field weights, boosts). It reads no full-text table, no vocabulary and no
facet cache, so a corrupt FTS5 segment, a wiped tsvector or an empty index cannot touch it.

What it gives up, and why the page then says "results may be incomplete": typo fixes from the
index vocabulary (those of the taxonomy still apply, they are part of the understanding), bm25 /
ts_rank (relevance is the sum of the weights of the fields that hold a term), and completeness
beyond MAX_CANDIDATES candidates (newest members first).
"""

from __future__ import annotations

from collections import Counter

from django.db import connection

from messaging.models import Message
from profiles.models import Member, OfferedSkill, SkillTag
from search.backends.base import (
    BOOST_AVAILABLE,
    BOOST_CHECKED_IN,
    FIELD_WEIGHTS,
    NO_SPACE_KM,
    TIER_LANGUAGE,
    TIER_PLACE,
    TIER_SCALE,
    TIER_SKILL,
    TIER_STRONG,
    BackendResult,
    MessageHits,
    MessageSearchRequest,
    RawHit,
    SearchRequest,
    distance_factor,
)
from search.documents import MemberDocument, load_documents, searchable_members
from search.text import SPECIAL_TOKENS, STEM_RULES, analyze_message

# Candidates read per search: past this, results are cut (newest members first). A few thousand
# documents build and match in well under a second.
MAX_CANDIDATES = 3000
MAX_MESSAGE_CANDIDATES = 2000
TEXT_COLUMNS = ("skills", "headline", "profession", "bio", "name")
STRONG_COLUMNS = ("skills", "headline", "profession", "name")
# Where a word of a skill the request names counts (as in the database backend): the skill itself
# is matched by its slug, its words only where people say what they are.
COVERED_COLUMNS = ("headline", "profession", "name")
# Letters that folding may have taken an accent from (search.text.fold): one character of the
# raw text, whatever it is, stands in for them in the LIKE pattern.
FOLDED_LETTERS = frozenset("aeiouycn")
_REVERSE_SPECIAL = {token: raw for raw, token in SPECIAL_TOKENS.items()}


def like_pattern(term: str) -> str:
    """A LIKE pattern the raw text of any word analysed into `term` contains.

    The stem's root (the light stemming only rewrites suffixes, STEM_RULES), with every letter
    that may have carried an accent as `_`: "traducteur" (of "Traductrices") -> "%tr_d_%"."""
    raw = _REVERSE_SPECIAL.get(term)
    if raw is not None:
        return f"%{raw}%"
    root = term
    for _suffix, replacement, min_stem in STEM_RULES:
        if replacement and term.endswith(replacement) and len(term) - len(replacement) >= min_stem:
            root = term[: -len(replacement)]
            break
    letters = "".join("_" if ch in FOLDED_LETTERS else ch for ch in root)
    return f"%{letters}%"


def _like() -> str:
    # SQLite's LIKE ignores ASCII case; PostgreSQL's needs ILIKE.
    return "ILIKE" if connection.vendor == "postgresql" else "LIKE"


def _text_condition(terms: list[str], skill_slugs: tuple[str, ...]) -> tuple[str, list]:
    """SQL over the member table: a member with some term in their text, a tag, or an asked skill."""
    member = connection.ops.quote_name(Member._meta.db_table)
    offered = connection.ops.quote_name(OfferedSkill._meta.db_table)
    tag = connection.ops.quote_name(SkillTag._meta.db_table)
    like = _like()
    parts, params = [], []
    for term in terms:
        pattern = like_pattern(term)
        for column in ("headline", "profession", "bio", "display_name", "username"):
            parts.append(f"{member}.{connection.ops.quote_name(column)} {like} %s")
            params.append(pattern)
        parts.append(
            f"{member}.id IN (SELECT o.content_object_id FROM {offered} o JOIN {tag} t ON t.id = o.tag_id "
            f"WHERE t.name {like} %s)"
        )
        params.append(pattern)
    if skill_slugs:
        marks = ", ".join(["%s"] * len(skill_slugs))
        skill = connection.ops.quote_name("profiles_skill")
        parts.append(
            f"{member}.id IN (SELECT o.content_object_id FROM {offered} o JOIN {tag} t ON t.id = o.tag_id "
            f"JOIN {skill} s ON s.id = t.skill_id WHERE s.slug IN ({marks}))"
        )
        params += list(skill_slugs)
    return " OR ".join(parts) or "1 = 1", params


def _candidates(request: SearchRequest) -> list[int]:
    parsed, ctx, filters = request.query, request.context, request.filters
    members = searchable_members().filter(visibility__in=ctx.visibilities)
    if ctx.member_id is not None:
        members = members.exclude(pk=ctx.member_id)
    if filters.available is not None:
        members = members.filter(available=filters.available)
    if filters.skills:
        members = members.filter(
            pk__in=OfferedSkill.objects.filter(tag__slug__in=filters.skills).values("content_object_id")
        ) | members.filter(
            pk__in=OfferedSkill.objects.filter(tag__skill__slug__in=filters.skills).values(
                "content_object_id"
            )
        )
    if not parsed.is_empty:
        where, params = _text_condition(list(parsed.all_terms()), parsed.skill_slugs)
        members = members.extra(where=[f"({where})"], params=params)
    return list(members.order_by("-id").values_list("id", flat=True)[:MAX_CANDIDATES])


def _passes_filters(doc: MemberDocument, request: SearchRequest) -> bool:
    filters, parsed, ctx = request.filters, request.query, request.context
    if filters.skills and not set(filters.skills) & set(doc.skill_keys):
        return False
    if filters.spaces and not set(filters.spaces) & set(doc.spaces):
        return False
    if filters.regions and not set(filters.regions) & set(doc.regions):
        return False
    if filters.languages and not set(filters.languages) & set(doc.languages):
        return False
    if filters.available is not None and doc.available != filters.available:
        return False
    if parsed.is_empty:
        # Only a language or a place asked: those who meet it, as if filtered (as the backends do).
        if not set(parsed.languages) <= set(doc.languages):
            return False
        if ctx.place_space_ids is not None and not set(ctx.place_space_slugs) & set(doc.spaces):
            return False
    return True


def _score(doc: MemberDocument, request: SearchRequest) -> tuple[float, bool] | None:
    """(score as base.py says, strong) of a document that matches the request, None otherwise."""
    parsed, ctx = request.query, request.context
    offered = set(doc.canonical_keys)
    relevance, matched, strong = 1.0, True, True
    if not parsed.is_empty:
        fields = {column: set(text.split()) for column, text in doc.analysed().items()}
        relevance, found_terms = 0.0, {}
        for term in parsed.all_terms():
            columns = COVERED_COLUMNS if term in parsed.skill_terms else TEXT_COLUMNS
            is_prefix = term == parsed.prefix
            holding = [
                column
                for column in columns
                if term in fields[column]
                or (is_prefix and column != "bio" and any(word.startswith(term) for word in fields[column]))
            ]
            found_terms[term] = holding
            relevance += sum(FIELD_WEIGHTS[column] for column in holding)
        offers_asked = offered & set(parsed.skill_slugs)
        relevance += FIELD_WEIGHTS["canon"] * len(offers_asked)
        matched = bool(offers_asked) or any(found_terms.values())
        if not matched:
            return None
        if parsed.skill_groups:
            phrase_found = any(
                phrase and all(set(found_terms.get(word, ())) & set(STRONG_COLUMNS) for word in phrase)
                for phrase in parsed.skill_phrases
            )
            strong = bool(offered & {slug for group in parsed.skill_groups for slug in group}) or phrase_found
        else:
            strong = all(set(found_terms.get(term, ())) & set(STRONG_COLUMNS) for term in parsed.free_terms())
    tier = sum(TIER_SKILL for group in parsed.skill_groups if offered & set(group))
    tier += TIER_STRONG if strong and not parsed.is_empty else 0
    if parsed.languages and set(parsed.languages) <= set(doc.languages):
        tier += TIER_LANGUAGE
    if ctx.place_space_ids is not None and doc.home_space_id in ctx.place_space_ids:
        tier += TIER_PLACE
    boost = BOOST_AVAILABLE if doc.available else 1.0
    if doc.member_id in ctx.checked_in_ids:
        boost *= BOOST_CHECKED_IN
    elif ctx.space_km:
        boost *= distance_factor(ctx.space_km.get(doc.home_space_id, NO_SPACE_KM))
    return tier * TIER_SCALE + relevance * boost, strong


def search(request: SearchRequest) -> BackendResult:
    """Matching members, best first, with count and facets over the matches among the candidates."""
    documents = [doc for doc in load_documents(_candidates(request)).values() if doc is not None]
    scored: list[tuple[float, int, bool, MemberDocument]] = []
    for doc in documents:
        if not _passes_filters(doc, request):
            continue
        found = _score(doc, request)
        if found is not None:
            scored.append((found[0], doc.member_id, found[1], doc))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    page = scored[request.offset : request.offset + request.page_size]
    hits = [RawHit(member_id=member_id, score=round(score, 4)) for score, member_id, _s, _d in page]
    if request.hits_only:
        return BackendResult(count=len(hits), hits=hits)
    facets: dict[str, Counter] = {kind: Counter() for kind in ("skills", "spaces", "regions", "languages")}
    available = 0
    for *_rest, doc in scored:
        facets["skills"].update(dict.fromkeys(doc.skill_keys, 1))
        facets["spaces"].update(dict.fromkeys(doc.spaces, 1))
        facets["regions"].update(dict.fromkeys(doc.regions, 1))
        facets["languages"].update(dict.fromkeys(doc.languages, 1))
        available += doc.available
    ordered = {
        kind: sorted(counts.items(), key=lambda item: (-item[1], item[0])) for kind, counts in facets.items()
    }
    ordered["available"] = [("true", available)] if available else []
    strong_count = sum(1 for item in scored if item[2])
    return BackendResult(count=len(scored), hits=hits, strong_count=strong_count, facets=ordered)


def search_messages(request: MessageSearchRequest) -> MessageHits:
    """Messages of the conversations asked with every term, newest first (no relevance)."""
    if request.query.is_empty or not request.conversation_ids:
        return MessageHits(count=0, message_ids=[])
    messages = Message.objects.filter(conversation_id__in=request.conversation_ids)
    if any(f.name == "deleted_at" for f in Message._meta.get_fields()):
        messages = messages.filter(deleted_at__isnull=True)
    body = f"{connection.ops.quote_name(Message._meta.db_table)}.{connection.ops.quote_name('body')}"
    terms = list(request.query.terms)
    messages = messages.extra(
        where=[" AND ".join([f"{body} {_like()} %s"] * len(terms))], params=[like_pattern(t) for t in terms]
    )
    wanted = set(terms)
    found = [
        message_id
        for message_id, text in messages.order_by("-created", "-id").values_list("id", "body")[
            :MAX_MESSAGE_CANDIDATES
        ]
        if wanted <= set(analyze_message(text or ""))
    ]
    return MessageHits(count=len(found), message_ids=found[request.offset : request.offset + request.limit])
