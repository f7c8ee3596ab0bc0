"""Reads for the help board. Querysets come with what the pages show already joined."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from community.helpboard.models import HelpMatch, HelpPreferences, HelpReply, HelpRequest, HelpThanks
from profiles.models import Member, Skill

URGENCY_ORDER = Case(
    When(urgency=HelpRequest.Urgency.URGENT, then=Value(0)),
    When(urgency=HelpRequest.Urgency.NORMAL, then=Value(1)),
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
    requests = HelpRequest.objects.all()
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
        HelpRequest.objects.filter(status=HelpRequest.Status.OPEN)
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


def request_detail(*, pk: int) -> HelpRequest:
    """One request with its author, space and skills (raises HelpRequest.DoesNotExist)."""
    return (
        HelpRequest.objects.select_related("author", "author__home_space", "space")
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
