"""Who can help with a request: skills inferred with the search's query understanding, members
found with the search backend, then ranked for the board.

Read-only: the services store what this returns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from community.network.selectors import member_space_ids
from profiles.models import Member
from profiles.taxonomy import canonical_slug
from search.query import MAX_QUERY_LENGTH, understand
from search.selectors import InvalidSearch, SearchResult, search_members

logger = logging.getLogger(__name__)

# How many members a request suggests (and notifies).
MATCH_LIMIT = 5
# How many candidates each search is asked for before ranking them.
CANDIDATE_POOL = 40
# Candidates scoring at least this share of the best one are "as relevant": among them the
# request's space and availability decide.
RELEVANT_SHARE = 0.5
# Below this share of the best score, a candidate who offers none of the skills is a stray word
# match ("tuin" in a bio): not suggested, not notified.
MIN_SHARE = 0.35
# Skills a bare language word names ("néerlandais" -> Dutch lessons): in "traduire en
# néerlandais" the language qualifies the other skill, it is not a need of its own.
LANGUAGE_LESSONS = {"dutch-lessons", "french-lessons", "english-lessons", "other-language-lessons"}


@dataclass(frozen=True)
class Candidate:
    member: Member
    # Relevance relative to the best answer of the search it came from: 1.0 is the best.
    score: float
    skill_overlap: int
    same_space: bool
    available: bool


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
    """Canonical skills the text names (FR/NL/EN, synonyms and typos), as the search understands them.

    Language lessons named only alongside another skill and a language ("traduire mon site en
    néerlandais") are left out: the language qualifies the other need.
    """
    slugs: list[str] = []
    languages: set[str] = set()
    for chunk in _chunks(text):
        parsed = understand(chunk, prefix=False)
        slugs.extend(parsed.skill_slugs)
        languages.update(parsed.languages)
    slugs = list(dict.fromkeys(slugs))
    if languages and any(slug not in LANGUAGE_LESSONS for slug in slugs):
        slugs = [slug for slug in slugs if slug not in LANGUAGE_LESSONS]
    return slugs


def resolve_typed_skills(typed: list[str]) -> tuple[list[str], list[str]]:
    """Split what the author typed into canonical skill slugs and free-text skills (kept as written).

    A typed term is canonical when the taxonomy knows it (any label or synonym, any language, or
    the skill's slug as the skill list sends it), or when the search's understanding reads exactly
    one skill in it ("traductrice néerlandais"). Both read the one taxonomy snapshot.
    """
    slugs: list[str] = []
    free: list[str] = []
    seen_free: set[str] = set()
    for raw in typed:
        term = " ".join(raw.split())
        if not term:
            continue
        slug = canonical_slug(term)
        if slug is None:
            understood = understand(term[:MAX_QUERY_LENGTH], prefix=False).skill_slugs
            slug = understood[0] if len(understood) == 1 else None
        if slug:
            if slug not in slugs:
                slugs.append(slug)
        elif term.casefold() not in seen_free:
            seen_free.add(term.casefold())
            free.append(term)
    return slugs, free


def _query_text(text: str) -> str:
    """The start of the text, as long as a search query may be."""
    chunks = _chunks(text)
    return chunks[0] if chunks else ""


def _search(**kwargs) -> list[SearchResult]:
    try:
        return search_members(**kwargs).results
    except InvalidSearch as error:  # a skill that vanished from the taxonomy meanwhile
        logger.warning("help matching search refused: %s", error.detail)
        return []


def find_helpers(
    *,
    author: Member,
    need: str,
    details: str,
    skill_slugs: list[str],
    space_id: int | None,
    limit: int = MATCH_LIMIT,
) -> list[Candidate]:
    """The best members to help, best first; never the author, never hidden or inactive members.

    `need` is the request in a few words (its title and skills), `details` its description.
    Candidates come from the shared search, ranked as "who can help me?" ranks them (skills named
    in any language, then headline and bio; boosts for available members and the author's space):
    once for the need alone, once for the need with its details, each relative to its own best
    score (so a precise title is not drowned by a long description, nor the other way round);
    then everyone offering one of the skills, by the search's boosts alone. Stray word matches
    (below MIN_SHARE, offering none of the skills) are dropped. Among the clearly relevant ones
    (at least RELEVANT_SHARE), members of the request's space come first, then available
    members, then relevance: a weak match in the same space never beats a strong one elsewhere.
    """
    wanted = set(skill_slugs)
    home_space_id = space_id or author.home_space_id
    found: dict[int, SearchResult] = {}
    scores: dict[int, float] = {}
    queries = list(dict.fromkeys([_query_text(need), _query_text(f"{need}\n{details}")]))
    for query in queries:
        results = _search(query=query, searcher=author, page_size=CANDIDATE_POOL)
        best = max((r.score for r in results), default=0.0)
        for result in results:
            found.setdefault(result.member_id, result)
            share = result.score / best if best > 0 else 0.0
            scores[result.member_id] = max(scores.get(result.member_id, 0.0), share)
    if wanted:
        # Empty query + skill filter: every member offering a needed skill, by the search's boosts.
        for result in _search(
            query="", searcher=author, filters={"skill": sorted(wanted)}, page_size=CANDIDATE_POOL
        ):
            found.setdefault(result.member_id, result)
            scores.setdefault(result.member_id, 0.0)
    found.pop(author.pk, None)
    if not found:
        return []

    belongs = member_space_ids(member_ids=list(found))

    candidates = []
    for member_id, result in found.items():
        member = result.member
        offered = {key for key, _label, _html in result.skills}
        in_space = home_space_id is not None and home_space_id in belongs.get(member_id, ())
        candidates.append(
            Candidate(
                member=member,
                score=scores[member_id],
                skill_overlap=len(offered & wanted),
                same_space=in_space,
                available=member.available,
            )
        )
    candidates = [c for c in candidates if c.skill_overlap or c.score >= MIN_SHARE]

    def rank(c: Candidate) -> tuple:
        return (
            c.score < RELEVANT_SHARE,
            not c.same_space,
            not c.available,
            -c.skill_overlap,
            -c.score,
            c.member.pk,
        )

    candidates.sort(key=rank)
    return candidates[:limit]
