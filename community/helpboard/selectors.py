"""Reads for the help board. Querysets come with what the pages show already joined."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from community.helpboard.models import HelpMatch, HelpPreferences, HelpReply, HelpRequest, HelpThanks
from profiles.models import Member, OfferedSkill, Skill

_URGENCY_RANK = {HelpRequest.Urgency.URGENT: 0, HelpRequest.Urgency.NORMAL: 1}
URGENCY_ORDER = Case(
    *(When(urgency=urgency, then=Value(rank)) for urgency, rank in _URGENCY_RANK.items()),
    default=Value(2),
    output_field=IntegerField(),
)


def _with_board_details(requests: QuerySet[HelpRequest]) -> QuerySet[HelpRequest]:
    return (
        requests.select_related("author", "space")
        .prefetch_related(Prefetch("skills", queryset=Skill.objects.order_by("name_en")))
        .annotate(reply_count=Count("replies", distinct=True))
    )


def board_requests(
    *,
    status: str = HelpRequest.Status.OPEN,
    skill: str = "",
    space: str = "",
    region: str = "",
    matching_member: Member | None = None,
) -> QuerySet[HelpRequest]:
    """Requests for the board, newest first; filtered by skill slug, space slug and region.

    `matching_member`: only the requests that member could help with (see `requests_for_helper`).
    """
    requests = HelpRequest.objects.filter(hidden_by_moderators=False)
    if status:
        requests = requests.filter(status=status)
    if skill:
        requests = requests.filter(skills__slug=skill)
    if space:
        requests = requests.filter(space__slug=space)
    if region:
        requests = requests.filter(space__region=region)
    if matching_member is not None:
        requests = requests.filter(pk__in=_helpable_ids(matching_member))
    return _with_board_details(requests).order_by("-created_at", "-id")


def _helpable_ids(member: Member) -> QuerySet:
    """Ids of open requests by others that need a skill the member offers, or matched the member."""
    offered = Skill.objects.filter(tag__offered_by__content_object=member).values("pk")
    return (
        HelpRequest.objects.filter(status=HelpRequest.Status.OPEN, hidden_by_moderators=False)
        .exclude(author=member)
        .filter(Q(skills__in=offered) | Q(matches__member=member))
        .values("pk")
    )


def requests_for_helper(*, member: Member, limit: int = 5) -> list[HelpRequest]:
    """Open requests the member could help with: urgent ones first, then their space's, then newest."""
    other_space = (
        Case(
            When(space_id=member.home_space_id, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        if member.home_space_id
        else Value(1, output_field=IntegerField())
    )
    requests = HelpRequest.objects.filter(pk__in=_helpable_ids(member)).annotate(
        urgency_rank=URGENCY_ORDER, other_space=other_space
    )
    return list(
        _with_board_details(requests).order_by("urgency_rank", "other_space", "-created_at", "-id")[:limit]
    )


def requests_for_helpers(
    *, members: Sequence[Member], since: datetime | None = None, limit: int | None = 5
) -> dict[int, list[HelpRequest]]:
    """`requests_for_helper` for many members at once (the weekly digest), in a fixed number of
    queries whatever their number: the same requests (open, by others, needing a skill the member
    offers or matched to them; with `since`, only those asked since then) in the same order.

    member id -> their requests (members with none are left out). The open requests are read once
    for all the members, with their skills; each member's are then picked in memory.
    """
    ids = [member.pk for member in members]
    open_requests = HelpRequest.objects.filter(status=HelpRequest.Status.OPEN, hidden_by_moderators=False)
    if since is not None:
        open_requests = open_requests.filter(created_at__gte=since)
    by_skill: dict[int, set[int]] = defaultdict(set)
    for skill_id, request_id in HelpRequest.skills.through.objects.filter(
        helprequest__in=open_requests.values("pk")
    ).values_list("skill_id", "helprequest_id"):
        by_skill[skill_id].add(request_id)
    matched: dict[int, set[int]] = defaultdict(set)
    for member_id, request_id in HelpMatch.objects.filter(
        member_id__in=ids, help_request__in=open_requests.values("pk")
    ).values_list("member_id", "help_request_id"):
        matched[member_id].add(request_id)
    if not by_skill and not matched:
        return {}
    offered: dict[int, set[int]] = defaultdict(set)
    for member_id, skill_id in OfferedSkill.objects.filter(
        content_object_id__in=ids, tag__skill__in=list(by_skill)
    ).values_list("content_object_id", "tag__skill_id"):
        offered[member_id].add(skill_id)
    wanted = {pk for skill_id in by_skill for pk in by_skill[skill_id]} | {
        pk for found in matched.values() for pk in found
    }
    requests = _with_board_details(HelpRequest.objects.filter(pk__in=wanted)).in_bulk()
    found: dict[int, list[HelpRequest]] = {}
    for member in members:
        candidates = {pk for skill_id in offered.get(member.pk, ()) for pk in by_skill[skill_id]}
        candidates |= matched.get(member.pk, set())
        mine = [
            found_request
            for pk in candidates
            if (found_request := requests.get(pk)) is not None and found_request.author_id != member.pk
        ]
        if not mine:
            continue
        mine.sort(
            key=lambda r: (
                _URGENCY_RANK.get(r.urgency, 2),
                0 if member.home_space_id and r.space_id == member.home_space_id else 1,
                -r.created_at.timestamp(),
                -r.pk,
            )
        )
        found[member.pk] = mine[:limit] if limit is not None else mine
    return found


def request_detail(*, pk: int, viewer=None) -> HelpRequest:
    """One request with its author, space and skills (raises HelpRequest.DoesNotExist); one the
    moderators hid exists for staff only."""
    requests = HelpRequest.objects.all()
    if not (viewer is not None and viewer.is_authenticated and viewer.is_staff):
        requests = requests.filter(hidden_by_moderators=False)
    return (
        requests.select_related("author", "author__home_space", "space")
        .prefetch_related(Prefetch("skills", queryset=Skill.objects.order_by("name_en")))
        .get(pk=pk)
    )


def request_matches(*, help_request: HelpRequest) -> list[HelpMatch]:
    return list(
        HelpMatch.objects.filter(help_request=help_request)
        .select_related("member", "member__home_space")
        .prefetch_related("member__offered_items__tag__skill")
        .order_by("rank")
    )


def request_replies(*, help_request: HelpRequest) -> list[HelpReply]:
    return list(
        HelpReply.objects.filter(help_request=help_request)
        .select_related("author")
        .order_by("created_at", "id")
    )


def request_thanked(*, help_request: HelpRequest) -> list[Member]:
    return [t.helper for t in HelpThanks.objects.filter(help_request=help_request).select_related("helper")]


def helpers_to_thank(*, help_request: HelpRequest) -> QuerySet[Member]:
    """Who the author may thank: the members who replied to the request or said "I can help"
    (an offer is a reply), never the author. Being matched is not helping: the form offers these
    and the solving service accepts no one else."""
    return (
        Member.objects.filter(help_replies__help_request=help_request)
        .exclude(pk=help_request.author_id)
        .distinct()
        .order_by("display_name", "pk")
    )


def solved_prompt_due(*, help_request: HelpRequest) -> bool:
    """Whether to ask the author "Solved?": an open request that someone else replied to or
    offered help on, or that has been open for HELP_SOLVED_PROMPT_AFTER seconds (not the moment
    it is posted)."""
    if not help_request.is_open:
        return False
    after = timedelta(seconds=settings.HELP_SOLVED_PROMPT_AFTER)
    if help_request.created_at <= timezone.now() - after:
        return True
    return (
        HelpReply.objects.filter(help_request=help_request).exclude(author_id=help_request.author_id).exists()
    )


def helped_count(*, member: Member) -> int:
    """How many different coworkers thanked this member for helping them: the reputation counter."""
    return (
        HelpThanks.objects.filter(helper=member)
        .exclude(help_request__author=member)
        .values("help_request__author")
        .distinct()
        .count()
    )


def help_preferences(*, member: Member) -> HelpPreferences:
    """The member's preferences (unsaved defaults when they never changed them)."""
    return HelpPreferences.objects.filter(member=member).first() or HelpPreferences(member=member)


def has_offered(*, help_request: HelpRequest, member: Member) -> bool:
    return HelpReply.objects.filter(help_request=help_request, author=member, is_offer=True).exists()


def showed_themselves_on(*, help_request: HelpRequest, member: Member) -> bool:
    """Whether `member` showed up on this request (asked it or replied): where a hidden member is reachable."""
    return (
        member.pk == help_request.author_id
        or HelpReply.objects.filter(help_request=help_request, author=member).exists()
    )
