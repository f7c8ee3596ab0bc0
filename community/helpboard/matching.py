"""Who can help with a request: the search's answer to the request's text, as "who can help me?"
gives it (with the skills the author chose as its skill filter). The board has no ranking of its
own (one engine, not two): it asks the search once and keeps the first members who match
strongly, in the search's order.

Read-only: the services store what this returns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from community.helpboard.models import HelpRequest
from profiles.models import Member
from profiles.taxonomy import canonical_slug
from search.query import MAX_QUERY_LENGTH, taxonomy, understand
from search.selectors import InvalidSearch, SearchResult, search_members

logger = logging.getLogger(__name__)

# How many members a request suggests (and notifies): the first page of the search, this long.
MATCH_LIMIT = 5


@dataclass(frozen=True)
class Helper:
    """A member the search found for a request, with why (`reasons`, stored on the match)."""

    member: Member
    score: float
    reasons: dict


def _chunks(text: str, size: int = MAX_QUERY_LENGTH) -> list[str]:
    """The text in pieces the query understanding accepts, cut between words."""
    chunks: list[str] = []
    current = ""
    for word in text.split():
        word = word[:size]
        if current and len(current) + 1 + len(word) > size:
            chunks.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        chunks.append(current)
    return chunks


def infer_skill_slugs(text: str) -> list[str]:
    """Canonical skills the text names (FR/NL/EN, synonyms and typos), as the search reads them."""
    slugs: list[str] = []
    for chunk in _chunks(text):
        slugs.extend(understand(chunk, prefix=False).skill_slugs)
    return list(dict.fromkeys(slugs))


def resolve_typed_skills(typed: list[str]) -> tuple[list[str], list[str]]:
    """Split what the author typed into canonical skill slugs and free-text skills (kept as written).

    A typed term is canonical when the taxonomy knows it (any label or synonym, any language, or
    the skill's slug as the skill list sends it), or when the search's understanding reads exactly
    one skill in it ("traductrice néerlandais"). Both read the one taxonomy snapshot. A spoken
    language alone ("néerlandais") stays free text: the search reads it as a language to speak.
    """
    slugs: list[str] = []
    free: list[str] = []
    seen_free: set[str] = set()
    for raw in typed:
        term = " ".join(raw.split())
        if not term:
            continue
        # A language alone ("néerlandais", "Dutch") is one the helper must speak, as the search
        # reads it: it goes to the text, not to the skills (it is no request for lessons).
        reading = understand(term[:MAX_QUERY_LENGTH], prefix=False)
        if reading.languages and not reading.skill_groups:
            slug = None
        else:
            slug = canonical_slug(term) or (reading.skill_slugs[0] if len(reading.skill_slugs) == 1 else None)
        if slug:
            if slug not in slugs:
                slugs.append(slug)
        elif term.casefold() not in seen_free:
            seen_free.add(term.casefold())
            free.append(term)
    return slugs, free


def _label_the_search_reads(slug: str, language: str) -> str | None:
    """A name of the skill that the search reads as that skill and nothing else: the name in
    `language` first, then in English, French and Dutch; None when none does (nothing is passed
    that the search would read otherwise)."""
    labels = taxonomy().labels.get(slug)
    if not labels:
        return None
    for lang in dict.fromkeys([language, "en", "fr", "nl"]):
        label = labels.get(lang)
        if label and understand(label[:MAX_QUERY_LENGTH], prefix=False).skill_slugs == (slug,):
            return label
    return None


def request_query(
    *,
    title: str,
    description: str,
    skill_slugs: Iterable[str] = (),
    free_skills: Iterable[str] = (),
    language: str = "en",
) -> str:
    """The text the search is asked for a request: its title, the skills the author chose (by a
    name the search reads as that skill), the free-text skills, then the description; cut between
    words at MAX_QUERY_LENGTH, so the title and the skills always fit.

    A skill the title already names is not repeated: the search reads it there.
    """
    in_title = set(infer_skill_slugs(title))
    labels = [
        label
        for slug in dict.fromkeys(skill_slugs)
        if slug not in in_title and (label := _label_the_search_reads(slug, language))
    ]
    text = " ".join(part for part in [title, *labels, *free_skills, description] if part)
    chunks = _chunks(text)
    return chunks[0] if chunks else ""


def language_of(member: Member) -> str:
    """The language the member reads the site in."""
    return member.reading_language


def help_request_query(help_request: HelpRequest) -> str:
    """`request_query` for a request, in its author's language."""
    return request_query(
        title=help_request.title,
        description=help_request.description,
        skill_slugs=help_request.chosen_skills,
        free_skills=help_request.free_skills,
        language=language_of(help_request.author),
    )


def search_filters(skills: Iterable[str]) -> dict | None:
    """The search filters for the skills the author chose: members offering one of them. Only
    skills the taxonomy knows now (one deleted since would be refused as an unknown filter);
    None when the author chose none (the text alone says what is needed)."""
    known = taxonomy().labels
    chosen = [slug for slug in dict.fromkeys(skills) if slug in known]
    return {"skill": chosen} if chosen else None


def reasons_of(result: SearchResult) -> dict:
    """Why the search found this member, as the match stores it (JSON): the skills asked that they
    offer (slugs), the spoken languages asked that they speak (codes), how far they are (km)."""
    return {
        "skills": list(result.matched_skills),
        "languages": list(result.speaks),
        "distance_km": result.distance_km,
    }


def find_helpers(
    *, author: Member, query: str, skills: Iterable[str] = (), limit: int = MATCH_LIMIT
) -> list[Helper]:
    """The members to suggest for `query` (see `request_query`), best first: the first `limit`
    results of the search the author would get for that text (within the skills they chose, see
    `search_filters`), in its order, keeping only those who match strongly (they offer or are
    what is asked, not merely a word of their bio).

    Whoever the search never shows the author (hidden, inactive, the author themself) is never
    here. A text that asks for nothing (stop words only) matches nobody.
    """
    try:
        page = search_members(query=query, searcher=author, filters=search_filters(skills), page_size=limit)
    except InvalidSearch as error:  # a text cut to MAX_QUERY_LENGTH and known skills: not expected
        logger.warning("help matching search refused: %s", error.detail)
        return []
    if page.query.is_empty:
        return []
    return [
        Helper(member=result.member, score=result.score, reasons=reasons_of(result))
        for result in page.results
        if result.strong and result.member_id != author.pk
    ]
