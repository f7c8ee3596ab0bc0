"""Reads for members: who may see whom, the directory, and complementary members.

Every queryset here prefetches what the pages show (skills with their canonical skill, languages,
spaces), so a page costs the same number of queries whatever its size.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower

from community.models import Space
from profiles.models import Member, OfferedSkill, Skill, SkillTag, WantedSkill
from profiles.taxonomy import canonical_slug, normalize_term, slugs_for_prefix

SORTS = ("relevance", "newest", "name")
PAGE_SIZE = 24
COUNT_CAP = 1000  # counting past this costs time and tells the reader nothing more
MAX_SKILL_FILTERS = 5
MAX_Q_WORDS = 6

Viewer = Member | AnonymousUser | None


def _is_member(viewer: Viewer) -> bool:
    return viewer is not None and viewer.is_authenticated


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


def for_cards(queryset: QuerySet[Member]) -> QuerySet[Member]:
    """`with_profile_data` minus what a card does not show."""
    return with_profile_data(queryset).defer(*CARD_DEFERRED)


def visible_members(*, viewer: Viewer) -> QuerySet[Member]:
    """Members the viewer may see listed: anonymous visitors see public profiles, members see
    public and members-only profiles; hidden profiles and deactivated accounts never."""
    if _is_member(viewer):
        allowed = [Member.Visibility.PUBLIC, Member.Visibility.MEMBERS]
    else:
        allowed = [Member.Visibility.PUBLIC]
    return Member.objects.filter(is_active=True, visibility__in=allowed)


def member_profile(*, username: str, viewer: Viewer) -> Member | None:
    """The profile page's member if the viewer may see it (everyone sees their own, even hidden)."""
    queryset = with_profile_data(Member.objects.filter(username=username)).prefetch_related(
        Prefetch("other_spaces", to_attr="prefetched_other_spaces")
    )
    member = queryset.first()
    if member is None:
        return None
    if _is_member(viewer) and viewer.pk == member.pk:
        return member
    if visible_members(viewer=viewer).filter(pk=member.pk).exists():
        return member
    return None


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


def _tags_matching_text(text: str) -> list[int]:
    """Tags a free-text word or phrase may mean: the taxonomy's skills for it, and free tags containing it."""
    slugs = set(slugs_for_prefix(text, limit=20))
    exact = canonical_slug(text)
    if exact:
        slugs.add(exact)
    key = normalize_term(text)
    query = Q(skill__slug__in=slugs)
    if len(key) >= 3:
        query |= Q(skill__isnull=True, normalized__contains=key)
    return list(SkillTag.objects.filter(query).values_list("id", flat=True)[:200])


def _offering(tag_ids: Sequence[int]) -> QuerySet:
    return OfferedSkill.objects.filter(tag_id__in=tag_ids).values("content_object_id")


def directory_members(
    *,
    viewer: Viewer,
    q: str = "",
    skills: Iterable[str | SkillTag] = (),
    space: str | Space | None = None,
    region: str = "",
    language: str = "",
    available: bool | None = None,
    sort: str = "",
) -> QuerySet[Member]:
    """The directory's members for these filters, sorted, with their card data prefetched.

    `skills`: members offering all of them (slugs, taxonomy terms or tags; an unknown skill
    matches nobody). `space`: home or other space (slug). `q`: every word must appear in the
    name, headline or profession, or name a skill the member offers; sorted by relevance when
    given. Sorting: "relevance" (with q), "newest" (default), "name". Ordered with a unique
    tie-breaker so `directory_page` can paginate by keyset.
    """
    members = visible_members(viewer=viewer)
    skill_values = list(skills)[:MAX_SKILL_FILTERS]
    if skill_values:
        resolved = resolve_skill_filters(skill_values)
        if resolved.unknown:
            return for_cards(members.none())
        for tag in resolved.tags:
            # IN (subquery) lets the database start from the skill's few members.
            members = members.filter(pk__in=_offering([tag.pk]))
    if space:
        space_id = (
            space.pk
            if isinstance(space, Space)
            else Space.objects.filter(slug=space).values_list("pk", flat=True).first()
        )
        if space_id is None:
            return for_cards(members.none())
        # Two indexable conditions (home space, the other-spaces table) rather than a join that repeats rows.
        members = members.filter(
            Q(home_space_id=space_id)
            | Q(pk__in=Member.other_spaces.through.objects.filter(space_id=space_id).values("member_id"))
        )
    if region:
        members = members.filter(home_space__region=region)
    if language:
        members = members.filter(
            pk__in=Member.languages.through.objects.filter(language_id=language).values("member_id")
        )
    if available is not None:
        members = members.filter(available=available)

    q = " ".join(q.split())[:100]
    if q:
        members = _filter_text(members, q)
    if sort not in SORTS or (sort == "relevance" and not q):
        sort = "relevance" if q else "newest"
    members = members.annotate(name_key=Lower("display_name"))
    return for_cards(members.order_by(*_ORDERINGS[sort]))


def _filter_text(members: QuerySet[Member], q: str) -> QuerySet[Member]:
    phrase_tags = _tags_matching_text(q) if canonical_slug(q) else []
    words = q.split()[:MAX_Q_WORDS]
    word_conditions = Q()
    score = Value(0, output_field=IntegerField())
    for word in words:
        tag_ids = _tags_matching_text(word)
        in_text = (
            Q(display_name__icontains=word) | Q(headline__icontains=word) | Q(profession__icontains=word)
        )
        offers = Q(pk__in=_offering(tag_ids)) if tag_ids else Q(pk__in=[])
        word_conditions &= in_text | offers
        score = score + _when(Q(display_name__icontains=word), 4) + _when(Q(profession__icontains=word), 3)
        score = score + _when(Q(headline__icontains=word), 2) + (_when(offers, 3) if tag_ids else Value(0))
    if phrase_tags:
        # "graphic design" or "traducteur juré" as one skill, whatever the words do.
        condition = word_conditions | Q(pk__in=_offering(phrase_tags))
        score = score + _when(Q(pk__in=_offering(phrase_tags)), 5)
    else:
        condition = word_conditions
    return members.filter(condition).annotate(score=score)


def _when(condition: Q, points: int) -> Case:
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


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


def _encode_cursor(direction: str, values: list[Any]) -> str:
    payload = [direction, *[v.isoformat() if isinstance(v, datetime) else v for v in values]]
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, ordering: Sequence[str]) -> tuple[str, list[Any]]:
    """('after'|'before', values) from a cursor; BadCursor for anything a link of ours cannot make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadCursor(str(error)) from error
    if (
        not isinstance(payload, list)
        or len(payload) != len(ordering) + 1
        or payload[0] not in ("after", "before")
    ):
        raise BadCursor("shape")
    values: list[Any] = []
    for order, value in zip(ordering, payload[1:], strict=True):
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
    return payload[0], values


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


def directory_page(queryset: QuerySet[Member], *, cursor: str = "", size: int = PAGE_SIZE) -> DirectoryPage:
    """One page of an ordered directory queryset, by keyset (no OFFSET, so page 4,000 costs what page 1 does).

    The count is capped at COUNT_CAP ("1,000+"): an exact count of 100,000 filtered rows costs
    more than the page itself. Raises BadCursor for a cursor we did not make.
    """
    ordering = list(queryset.query.order_by)
    direction, values = ("after", []) if not cursor else decode_cursor(cursor, ordering)
    forward = direction == "after"
    page_qs = queryset
    if values:
        page_qs = page_qs.filter(_keyset_condition(ordering, values, forward=forward))
    if not forward:
        page_qs = page_qs.reverse()
    rows = list(page_qs[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    count = queryset.order_by()[: COUNT_CAP + 1].count()

    def position(member: Member) -> list[Any]:
        return [getattr(member, _field_of(order)[0]) for order in ordering]

    is_first = not values or (not forward and not has_more)
    next_cursor = None
    if rows and (has_more or not forward):
        next_cursor = _encode_cursor("after", position(rows[-1]))
    previous_cursor = None
    if rows and not is_first:
        previous_cursor = _encode_cursor("before", position(rows[0]))
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
    same_space = (
        _when(Q(home_space_id=member.home_space_id), 1)
        if member.home_space_id
        else Value(0, output_field=IntegerField())
    )

    def ranked(items_model, tag_ids: list[int]) -> list[Member]:
        if not tag_ids:
            return []
        matched = items_model.objects.filter(content_object=OuterRef("pk"), tag_id__in=tag_ids)
        queryset = (
            base.filter(Exists(matched))
            .annotate(
                matched=Count(
                    "offered_items" if items_model is OfferedSkill else "wanted_items",
                    filter=Q(
                        **{
                            f"{'offered_items' if items_model is OfferedSkill else 'wanted_items'}__tag_id__in": tag_ids
                        }
                    ),
                    distinct=True,
                ),
                same_space=same_space,
            )
            .order_by("-same_space", "-matched", "-available", "-date_joined", "-id")
        )
        return list(for_cards(queryset)[:limit])

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
    """How many members offer or want each tag (two grouped queries, no join between them)."""
    ids = list(tag_ids)
    usage: dict[int, int] = dict.fromkeys(ids, 0)
    for through in (OfferedSkill, WantedSkill):
        for tag_id, count in (
            through.objects.filter(tag_id__in=ids)
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


def skills_by_slug(slugs: Iterable[str]) -> dict[str, Skill]:
    return {skill.slug: skill for skill in Skill.objects.filter(slug__in=list(slugs))}
