"""Who can help with a request: skills inferred with the search's query understanding, members
found with the search backend, then ranked for the board (skills, same space, available).

Read-only: the services store what this returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from profiles.models import Member, Skill
from profiles.taxonomy import canonical_slug

# How many members a request suggests (and notifies).
MATCH_LIMIT = 5
# How many candidates the search is asked for before ranking them.
CANDIDATE_POOL = 40


@dataclass(frozen=True)
class Candidate:
    member: Member
    score: float
    skill_overlap: int
    same_space: bool
    available: bool


def infer_skill_slugs(text: str) -> list[str]:
    """Canonical skills the text talks about, in the order the search's query understanding finds them."""
    try:
        from search.query import understand
    except ModuleNotFoundError:  # TEMPORARY until the search issue lands
        return _fallback_infer(text)

    parsed = understand(text)
    return list(dict.fromkeys(_parsed_skills(parsed)))


def _fallback_infer(text: str) -> list[str]:
    from profiles.taxonomy import normalize_term, term_index

    words = normalize_term(text).split()
    index = term_index()
    found: list[str] = []
    for size in (4, 3, 2, 1):
        for start in range(len(words) - size + 1):
            slug = index.get(" ".join(words[start : start + size]))
            if slug and slug not in found:
                found.append(slug)
    return found


def _parsed_skills(parsed) -> list[str]:
    for attribute in ("skills", "skill_slugs"):
        value = getattr(parsed, attribute, None)
        if value is not None:
            return [str(slug) for slug in value]
    return []


def resolve_typed_skills(typed: list[str]) -> tuple[list[str], list[str]]:
    """Split what the author typed into canonical skill slugs and free-text skills (kept as written)."""
    slugs: list[str] = []
    free: list[str] = []
    seen_free: set[str] = set()
    for raw in typed:
        term = " ".join(raw.split())
        if not term:
            continue
        slug = canonical_slug(term) or (term if Skill.objects.filter(slug=term).exists() else None)
        if slug:
            if slug not in slugs:
                slugs.append(slug)
        elif term.casefold() not in seen_free:
            seen_free.add(term.casefold())
            free.append(term)
    return slugs, free


def find_helpers(
    *,
    author: Member,
    text: str,
    skill_slugs: list[str],
    space_id: int | None,
    limit: int = MATCH_LIMIT,
) -> list[Candidate]:
    """The best members to help, best first; never the author, never hidden or inactive members.

    Candidates come from the shared search (the same ranking "who can help me?" uses). Among
    them, members offering more of the needed skills come first, then those of the request's
    space (the author's home space for a network-wide request), then the available ones, then
    the search score.
    """
    try:
        from search.selectors import search_members
    except ModuleNotFoundError:  # TEMPORARY until the search issue lands
        search_members = _fallback_search

    wanted = set(skill_slugs)
    home_space_id = space_id or author.home_space_id
    scores: dict[int, float] = {}
    # One query on the skills, one on the words: a request may need a skill nobody typed.
    queries = []
    if wanted:
        queries.append(" ".join(Skill.objects.filter(slug__in=wanted).values_list("name_en", flat=True)))
    queries.append(text)
    for query in queries:
        page = search_members(query=query, searcher=author, page_size=CANDIDATE_POOL)
        for result in page.results:
            member_id = _result_member_id(result)
            if member_id is not None and member_id != author.pk:
                scores[member_id] = max(scores.get(member_id, 0.0), float(_result_score(result)))
    if not scores:
        return []

    members = (
        Member.objects.filter(pk__in=scores, is_active=True)
        .exclude(visibility=Member.Visibility.HIDDEN)
        .exclude(pk=author.pk)
        .prefetch_related("offered_items__tag__skill", "other_spaces")
    )
    candidates = []
    for member in members:
        offered = {tag.skill.slug for tag in member.offered_tags if tag.skill_id}
        overlap = len(offered & wanted)
        if wanted and not overlap:
            continue
        in_space = home_space_id is not None and (
            member.home_space_id == home_space_id or any(s.pk == home_space_id for s in member.other_spaces.all())
        )
        candidates.append(
            Candidate(
                member=member,
                score=scores[member.pk],
                skill_overlap=overlap,
                same_space=in_space,
                available=member.available,
            )
        )
    candidates.sort(key=lambda c: (-c.skill_overlap, not c.same_space, not c.available, -c.score, c.member.pk))
    return candidates[:limit]


def _result_member_id(result) -> int | None:
    for attribute in ("member_id", "id", "pk"):
        value = result.get(attribute) if isinstance(result, dict) else getattr(result, attribute, None)
        if value is not None:
            return int(value)
    return None


def _result_score(result) -> float:
    value = result.get("score") if isinstance(result, dict) else getattr(result, "score", 0.0)
    return float(value or 0.0)


def _fallback_search(*, query: str, searcher=None, page_size: int = 20, **kwargs):
    from types import SimpleNamespace

    slugs = _fallback_infer(query)
    ids = (
        Member.objects.filter(offered_items__tag__skill__slug__in=slugs).values_list("pk", flat=True).distinct()
    )
    return SimpleNamespace(results=[{"id": pk, "score": 1.0} for pk in ids[:page_size]])
