"""Reads for members: who may see whom, the directory, and complementary members.

Every queryset here prefetches what the pages show (skills with their canonical skill, languages,
spaces), so a page costs the same number of queries whatever its size.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.utils import timezone

from profiles.models import LegalText, Member, OfferedSkill, SkillTag, WantedSkill
from profiles.taxonomy import canonical_slug, slugs_for_prefix
from profiles.terms import normalize_term
from profiles.visibility import Viewer, listed_members_q, member_is_visible, visible_members

SORTS = ("relevance", "newest", "name")
PAGE_SIZE = 24
COUNT_CAP = 500  # counting past this costs time and tells the reader nothing more
MAX_SKILL_FILTERS = 5


def with_profile_data(queryset: QuerySet[Member]) -> QuerySet[Member]:
    """What a member card or profile shows, fetched in a fixed number of queries."""
    # Synonym lists are for the search, not for showing: leave them in the database.
    offered = OfferedSkill.objects.select_related("tag__skill").defer("tag__skill__synonyms").order_by("id")
    wanted = WantedSkill.objects.select_related("tag__skill").defer("tag__skill__synonyms").order_by("id")
    # to_attr: plain lists, so Django builds no queryset per member (a third of a page's ORM time).
    return queryset.select_related("home_space").prefetch_related(
        Prefetch("offered_items", queryset=offered, to_attr="prefetched_offered_items"),
        Prefetch("wanted_items", queryset=wanted, to_attr="prefetched_wanted_items"),
        Prefetch("languages", to_attr="prefetched_languages"),
    )


# Columns a member card never shows; a page of cards skips reading (and JSON-decoding) them.
CARD_DEFERRED = (
    "password",
    "bio",
    "home_space__amenities",
    "home_space__opening_hours",
    "home_space__tagline",
    "home_space__description",
)


class CardQuerySet(QuerySet):
    """Members for cards: once fetched, their skills are attached in three queries (the offered
    and wanted (member, tag) pairs, then each distinct tag once with its skill), rather than a
    row, a tag and a skill object per skill per member. On a page of 24 cards that was a quarter
    of the request."""

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._result_cache and isinstance(self._result_cache[0], Member):
            attach_skills(self._result_cache)


def for_cards(queryset: QuerySet[Member]) -> CardQuerySet:
    """The members of `queryset` with what a card shows: home space, languages, skills."""
    cards = CardQuerySet(model=Member, query=queryset.query.chain(), using=queryset.db)
    return (
        cards.select_related("home_space")
        .prefetch_related(Prefetch("languages", to_attr="prefetched_languages"))
        .defer(*CARD_DEFERRED)
    )


def attach_skills(members: Sequence[Member]) -> None:
    """Set `offered_tags`/`wanted_tags` of these members (in the order they gave them)."""
    ids = [member.pk for member in members]
    offered = list(
        OfferedSkill.objects.filter(content_object_id__in=ids)
        .order_by("id")
        .values_list("content_object_id", "tag_id")
    )
    wanted = list(
        WantedSkill.objects.filter(content_object_id__in=ids)
        .order_by("id")
        .values_list("content_object_id", "tag_id")
    )
    tags = (
        SkillTag.objects.select_related("skill")
        .defer("skill__synonyms")
        .in_bulk({t for _, t in offered + wanted})
    )
    by_member: dict[int, tuple[list[SkillTag], list[SkillTag]]] = {pk: ([], []) for pk in ids}
    for member_id, tag_id in offered:
        by_member[member_id][0].append(tags[tag_id])
    for member_id, tag_id in wanted:
        by_member[member_id][1].append(tags[tag_id])
    for member in members:
        member.offered_tag_list, member.wanted_tag_list = by_member[member.pk]


def member_profile(*, username: str, viewer: Viewer) -> Member | None:
    """The profile page's member if the viewer may see it (everyone sees their own, even hidden)."""
    queryset = with_profile_data(Member.objects.filter(username=username)).prefetch_related(
        Prefetch("other_spaces", to_attr="prefetched_other_spaces")
    )
    member = queryset.first()
    if member is None or not member_is_visible(member, viewer=viewer):
        return None
    return member


def member_exists_for_login(*, username: str) -> bool:
    """True when a members-only profile exists: an anonymous visitor is asked to log in, not told 404."""
    return Member.objects.filter(
        username=username, is_active=True, visibility=Member.Visibility.MEMBERS
    ).exists()


# --- skill filters -------------------------------------------------------------------------


@dataclass
class SkillFilters:
    chosen: list[tuple[str, SkillTag]] = field(default_factory=list)  # (value as given, its tag)
    unknown: list[str] = field(default_factory=list)

    @property
    def tags(self) -> list[SkillTag]:
        return [tag for _, tag in self.chosen]


def resolve_skill_filters(values: Iterable[str | SkillTag]) -> SkillFilters:
    """Skill filter values (tag slugs, or any term the taxonomy knows) -> tags; unknown kept aside."""
    result = SkillFilters()
    wanted: list[str] = []
    for value in values:
        if isinstance(value, SkillTag):
            result.chosen.append((value.slug, value))
        elif isinstance(value, str) and value.strip():
            wanted.append(value.strip()[:100])
    if not wanted:
        return result
    by_slug: dict[str, str] = {}
    for value in wanted:
        by_slug[value] = canonical_slug(value) or value
    candidates = SkillTag.objects.select_related("skill").filter(
        Q(slug__in=set(by_slug.values()))
        | Q(skill__slug__in=set(by_slug.values()))
        | Q(normalized__in={normalize_term(v) for v in wanted})
    )
    found_by_key: dict[str, SkillTag] = {}
    for tag in candidates:
        found_by_key.setdefault(tag.slug, tag)
        if tag.skill_id:
            found_by_key[tag.skill.slug] = tag
        found_by_key.setdefault(f"~{tag.normalized}", tag)
    seen: set[int] = {tag.pk for tag in result.tags}
    for value in wanted:
        tag = found_by_key.get(by_slug[value]) or found_by_key.get(f"~{normalize_term(value)}")
        if tag is None:
            result.unknown.append(value)
        elif tag.pk not in seen:
            seen.add(tag.pk)
            result.chosen.append((value, tag))
    return result


# --- the directory -------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberSet:
    """A directory filter that is a set of members (offers a skill, speaks a language, belongs
    to a space), in both shapes: start from the set (IN) or check each member against it
    (EXISTS); `size` estimates how many it holds, to choose between the two."""

    start_here: Q
    check_each: Q
    size: Callable[[], int]

    @classmethod
    def nobody(cls) -> MemberSet:
        return cls(start_here=Q(pk__in=[]), check_each=Q(pk__in=[]), size=lambda: 0)


def _membership(rows: QuerySet, *, member_field: str, cache_key: str) -> MemberSet:
    return MemberSet(
        start_here=Q(pk__in=rows.values(member_field)),
        check_each=Q(Exists(rows.filter(**{member_field: OuterRef("pk")}))),
        size=lambda: estimated_size(cache_key, rows.count),
    )


def directory_members(
    *,
    viewer: Viewer,
    text_matches: Sequence[int] | None = None,
    skills: Iterable[str | SkillTag] = (),
    space: MemberSet | None = None,
    home_spaces: Sequence[int] | None = None,
    language: str = "",
    available: bool | None = None,
    sort: str = "",
    for_count: bool = False,
) -> QuerySet[Member]:
    """The directory's members for these filters, sorted, with their card data prefetched.

    `skills`: members offering all of them (slugs, taxonomy terms or tags; an unknown skill
    matches nobody). `space`: the members of a space
    (community.network.selectors.space_member_set says who belongs). `home_spaces`: members
    whose home space is one of these (a region's spaces). `text_matches`: the
    members a free-text request found, best first, from the search app (which reads the text;
    the directory only lists): only those, with relevance meaning that order. Sorting:
    "relevance" (with text matches), "newest" (default), "name", each ending with the
    id so `directory_page` can paginate by keyset. `for_count`: the same members, unordered,
    shaped for counting a capped number of them.
    """
    members = visible_members(viewer=viewer)
    memberships: list[MemberSet] = []

    def nobody() -> QuerySet[Member]:
        return members.none() if for_count else for_cards(members.none().order_by(*_ORDERINGS["newest"]))

    skill_values = list(skills)[:MAX_SKILL_FILTERS]
    if skill_values:
        resolved = resolve_skill_filters(skill_values)
        if resolved.unknown:
            return nobody()
        for tag in resolved.tags:
            memberships.append(_offering_skill(tag.pk))
    if space is not None:
        memberships.append(space)
    if home_spaces is not None:
        # Space ids: the filter is then read from the directory's covering indexes.
        members = members.filter(home_space_id__in=list(home_spaces))
    if language:
        speakers = Member.languages.through.objects.filter(language_id=language)
        memberships.append(_membership(speakers, member_field="member_id", cache_key=f"language:{language}"))
    if available is not None:
        members = members.filter(available=available)

    if text_matches is not None:
        if not text_matches:
            return nobody()
        members = members.filter(pk__in=list(text_matches))
        if not for_count:
            # Relevance is the search's order: the first match scores highest.
            ranks = [When(pk=pk, then=Value(len(text_matches) - i)) for i, pk in enumerate(text_matches)]
            members = members.annotate(score=Case(*ranks, default=Value(0), output_field=IntegerField()))
    members = members.filter(*_shape(memberships, for_count=for_count, few_members=text_matches is not None))
    if for_count:
        return members.order_by()
    if sort not in SORTS or (sort == "relevance" and "score" not in members.query.annotations):
        sort = "relevance" if "score" in members.query.annotations else "newest"
    members = members.annotate(name_key=Lower("display_name"))
    return for_cards(members.order_by(*_ORDERINGS[sort]))


def _offering_skill(*tag_ids: int) -> MemberSet:
    """Members offering any of these tags."""
    return _membership(
        OfferedSkill.objects.filter(tag_id__in=tag_ids),
        member_field="content_object_id",
        cache_key="skill:" + hashlib.sha1(",".join(map(str, tag_ids)).encode()).hexdigest()[:16],
    )


# Below this share of all members a set is "selective": the database starts from its few
# members (IN) and sorts them; above it, walking the sorted covering index and checking each
# member (EXISTS) finds a page sooner. SQLite's planner cannot tell the two apart by itself.
SELECTIVE = 0.02


def _shape(memberships: list[MemberSet], *, for_count: bool, few_members: bool) -> list[Q]:
    """Which filters the database starts from, and which it checks member by member."""
    if not memberships:
        return []
    if few_members:
        # The database starts from a short list of members (text matches): check each of them.
        return [m.check_each for m in memberships]
    if for_count:
        # A count has no order to follow: start from the smallest set, check the others.
        smallest = min(range(len(memberships)), key=lambda i: memberships[i].size())
        return [m.start_here if i == smallest else m.check_each for i, m in enumerate(memberships)]
    limit = _member_total() * SELECTIVE
    return [m.start_here if m.size() < limit else m.check_each for m in memberships]


def estimated_size(key: str, count: Callable[[], int]) -> int:
    """A set's size, cached for a few minutes: the shape of a query needs no more precision."""
    value = cache.get(f"profiles:size:{key}")
    if value is None:
        value = count()
        cache.set(f"profiles:size:{key}", value, 300)
    return value


def _member_total() -> int:
    """All members, cached for a few minutes (an estimate is all the filters need)."""
    return max(estimated_size("members", Member.objects.count), 1)


# Each ordering ends with the primary key: the keyset cursor needs a unique position.
_ORDERINGS: dict[str, list[str]] = {
    "relevance": ["-score", "-date_joined", "-id"],
    "newest": ["-date_joined", "-id"],
    "name": ["name_key", "id"],
}


# --- keyset pagination -----------------------------------------------------------------------


@dataclass
class DirectoryPage:
    members: list[Member]
    count: int
    count_capped: bool
    next_cursor: str | None
    previous_cursor: str | None
    is_first: bool


class BadCursor(ValueError):
    pass


def _field_of(order: str) -> tuple[str, bool]:
    return order.lstrip("-"), order.startswith("-")


def _encode_cursor(direction: str, count: int, values: list[Any]) -> str:
    # The first page's count travels with the cursor: later pages need not count again.
    payload = [direction, count, *[v.isoformat() if isinstance(v, datetime) else v for v in values]]
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, ordering: Sequence[str]) -> tuple[str, int, list[Any]]:
    """('after'|'before', count, values) from a cursor; BadCursor for anything a link of ours cannot make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadCursor(str(error)) from error
    if (
        not isinstance(payload, list)
        or len(payload) != len(ordering) + 2
        or payload[0] not in ("after", "before")
    ):
        raise BadCursor("shape")
    count = payload[1]
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= COUNT_CAP + 1:
        raise BadCursor("count")
    values: list[Any] = []
    for order, value in zip(ordering, payload[2:], strict=True):
        name, _ = _field_of(order)
        if name == "date_joined":
            if not isinstance(value, str):
                raise BadCursor("date")
            try:
                value = datetime.fromisoformat(value)
            except ValueError as error:
                raise BadCursor("date") from error
            if value.tzinfo is None:
                raise BadCursor("naive date")
        elif name in ("id", "score"):
            if not isinstance(value, int) or isinstance(value, bool) or abs(value) > 2**62:
                raise BadCursor("int")
        elif name == "name_key":
            if not isinstance(value, str) or len(value) > 200:
                raise BadCursor("name")
        values.append(value)
    return payload[0], count, values


def _keyset_condition(ordering: Sequence[str], values: list[Any], *, forward: bool) -> Q:
    """Rows strictly after (or before) the given position in this ordering."""
    condition = Q()
    for i, order in enumerate(ordering):
        name, descending = _field_of(order)
        goes_down = descending == forward
        step = Q(**{f"{name}__{'lt' if goes_down else 'gt'}": values[i]})
        for previous, value in zip(ordering[:i], values[:i], strict=True):
            step &= Q(**{_field_of(previous)[0]: value})
        condition |= step
    return condition


def directory_page(
    queryset: QuerySet[Member],
    *,
    cursor: str = "",
    size: int = PAGE_SIZE,
    count_queryset: QuerySet[Member] | None = None,
) -> DirectoryPage:
    """One page of an ordered directory queryset, by keyset: no OFFSET, so page 4,000 costs what
    page 1 does. Raises BadCursor for a cursor we did not make.

    Two steps: the page's ids and sort keys first, from the narrow covering indexes; then those
    rows with their card data. The count is capped at COUNT_CAP ("more than 500"): counting
    100,000 filtered rows would cost more than the page itself.
    """
    ordering = list(queryset.query.order_by)
    names = [_field_of(order)[0] for order in ordering]
    direction, count, values = ("after", -1, []) if not cursor else decode_cursor(cursor, ordering)
    forward = direction == "after"
    keys_qs = queryset.prefetch_related(None).select_related(None)
    if values:
        keys_qs = keys_qs.filter(_keyset_condition(ordering, values, forward=forward))
    if not forward:
        keys_qs = keys_qs.reverse()
    # A relevance-sorted page already scores and sorts every match: fetching the first
    # COUNT_CAP keys instead of a page's costs little more and saves a second scan to count.
    count_from_keys = count < 0 and "score" in queryset.query.annotations
    positions = [
        list(row) for row in keys_qs.values_list(*names)[: (COUNT_CAP if count_from_keys else size) + 1]
    ]
    if count_from_keys:
        count = len(positions)
    has_more = len(positions) > size
    positions = positions[:size]
    if not forward:
        positions.reverse()
    id_index = names.index("id")
    by_id = {
        member.pk: member for member in queryset.filter(pk__in=[p[id_index] for p in positions]).order_by()
    }
    rows = [by_id[p[id_index]] for p in positions if p[id_index] in by_id]
    if count < 0:  # the first page counts; the cursor carries the count to the next ones
        counting = queryset if count_queryset is None else count_queryset
        count = (
            counting.prefetch_related(None)
            .select_related(None)
            .order_by()
            .values("pk")[: COUNT_CAP + 1]
            .count()
        )

    is_first = not values or (not forward and not has_more)
    next_cursor = None
    if positions and (has_more or not forward):
        next_cursor = _encode_cursor("after", count, positions[-1])
    previous_cursor = None
    if positions and not is_first:
        previous_cursor = _encode_cursor("before", count, positions[0])
    return DirectoryPage(
        members=rows,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        next_cursor=next_cursor,
        previous_cursor=previous_cursor,
        is_first=is_first,
    )


# --- complementary members -------------------------------------------------------------------


@dataclass
class Complements:
    could_help_you: list[Member]
    you_could_help: list[Member]


def complementary_members(*, member: Member, viewer: Viewer, limit: int = 6) -> Complements:
    """Members whose offers meet the member's needs, and members who need what the member offers.

    Only members the viewer may see; same home space first, then the most skills in common,
    then those available to help. Each result carries `matched` (how many skills match).
    """
    wanted_ids = list(WantedSkill.objects.filter(content_object=member).values_list("tag_id", flat=True))
    offered_ids = list(OfferedSkill.objects.filter(content_object=member).values_list("tag_id", flat=True))
    base = visible_members(viewer=viewer).exclude(pk=member.pk)
    ordering = ("-matched", "-available", "-date_joined", "-id")

    def ranked(items_model, tag_ids: list[int]) -> list[Member]:
        if not tag_ids:
            return []
        rows = items_model.objects.filter(content_object=OuterRef("pk"), tag_id__in=tag_ids)
        count = rows.order_by().values("content_object").annotate(n=Count("id")).values("n")
        candidates = base.filter(Exists(rows)).annotate(matched=Subquery(count, output_field=IntegerField()))
        found: list[Member] = []
        # The home space first, in its own query: on 100,000 members it ranks a few hundred
        # candidates, where ranking everyone would sort thousands.
        if member.home_space_id:
            same_space = candidates.filter(home_space_id=member.home_space_id)
            found = list(for_cards(same_space.order_by(*ordering))[:limit])
        if len(found) < limit:
            others = (
                candidates.exclude(home_space_id=member.home_space_id) if member.home_space_id else candidates
            )
            found += list(for_cards(others.order_by(*ordering))[: limit - len(found)])
        return found

    return Complements(
        could_help_you=ranked(OfferedSkill, wanted_ids),
        you_could_help=ranked(WantedSkill, offered_ids),
    )


def skill_matches(*, viewer: Member, member: Member) -> tuple[list[SkillTag], list[SkillTag]]:
    """(skills the member offers that the viewer wants, skills the viewer offers that the member wants)."""
    viewer_wants = set(WantedSkill.objects.filter(content_object=viewer).values_list("tag_id", flat=True))
    viewer_offers = set(OfferedSkill.objects.filter(content_object=viewer).values_list("tag_id", flat=True))
    return (
        [tag for tag in member.offered_tags if tag.pk in viewer_wants],
        [tag for tag in member.wanted_tags if tag.pk in viewer_offers],
    )


# --- skills for the edit form's autocomplete --------------------------------------------------


def skill_usage(tag_ids: Iterable[int]) -> dict[int, int]:
    """How many listed members offer or want each tag (two grouped queries).

    Hidden and deactivated members do not count (profiles.visibility.listed_members_q, the rule
    of the search index and so of the API's suggestions): a tag only they use is in use by nobody.
    """
    ids = list(tag_ids)
    usage: dict[int, int] = dict.fromkeys(ids, 0)
    for through in (OfferedSkill, WantedSkill):
        for tag_id, count in (
            through.objects.filter(tag_id__in=ids)
            .filter(listed_members_q(prefix="content_object__"))
            .values("tag_id")
            .annotate(n=Count("id"))
            .values_list("tag_id", "n")
        ):
            usage[tag_id] += count
    return usage


def skill_suggestions(*, prefix: str, limit: int = 10) -> list[dict[str, Any]]:
    """Skills starting with the prefix: canonical ones (in the reader's language), then free tags
    already in use, each with how many members offer or want it."""
    key = normalize_term(prefix)
    if not key:
        return []
    slugs = slugs_for_prefix(prefix, limit=limit)
    canonical = {
        tag.skill.slug: tag for tag in SkillTag.objects.select_related("skill").filter(skill__slug__in=slugs)
    }
    tags: list[SkillTag] = [canonical[slug] for slug in slugs if slug in canonical]
    free = list(
        SkillTag.objects.filter(skill__isnull=True)
        .filter(Q(normalized__startswith=key) | Q(normalized__contains=f" {key}"))
        .order_by("normalized")[:50]
    )
    usage = skill_usage([t.pk for t in tags] + [t.pk for t in free])
    free = sorted((t for t in free if usage[t.pk] > 0), key=lambda t: (-usage[t.pk], t.normalized))
    tags.extend(free[: max(limit - len(tags), 0)])
    return [{"name": tag.label, "slug": tag.slug, "count": usage.get(tag.pk, 0)} for tag in tags]


def legal_text_current(*, kind: str, language: str) -> LegalText | None:
    """The newest published version of the terms or the privacy notice, in `language` if that
    version was written in it, else in English, else in any language it has."""
    newest = (
        LegalText.objects.filter(kind=kind, published_at__lte=timezone.now())
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    if newest is None:
        return None
    texts = {t.language: t for t in LegalText.objects.filter(kind=kind, version=newest)}
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), None)
