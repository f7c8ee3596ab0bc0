"""Reads for the community side (spaces, members of a space, check-ins, events, hours).

Querysets come back with what their pages show already joined, so no page does N+1 queries.
Open check-ins from an earlier day count as ended at that day's midnight here, whether or not
the `close_check_ins` command has run yet.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from community.core.timeutils import midnight_after, month_bounds, start_of_today
from community.network.models import RSVP, CheckIn, Event, Membership, Space, TrialRequest
from community.network.places import city_location, place
from profiles.models import Member
from profiles.selectors import MemberSet, estimated_size
from profiles.visibility import visible_members_q


def checked_in_member_ids(*, space_id: int) -> set[int]:
    """Members checked in at a space right now (open check-ins begun today)."""
    return set(
        CheckIn.objects.filter(
            space_id=space_id, ended_at__isnull=True, started_at__gte=start_of_today()
        ).values_list("member_id", flat=True)
    )


# ---------------------------------------------------------------------------------------------
# Who may see and do what
# ---------------------------------------------------------------------------------------------


def can_manage_space(member, space: Space) -> bool:
    """Staff manage every space; a member manages the spaces they are a manager of."""
    if member is None or not member.is_authenticated or not member.is_active:
        return False
    return member.is_staff or space.managers.filter(pk=member.pk).exists()


def managed_spaces(*, member) -> QuerySet[Space]:
    if member is None or not member.is_authenticated:
        return Space.objects.none()
    return Space.objects.all() if member.is_staff else member.managed_spaces.all()


# ---------------------------------------------------------------------------------------------
# Spaces and their members
# ---------------------------------------------------------------------------------------------


def network_totals() -> dict[str, int]:
    """The figures the network is proud of: spaces, members, square metres."""
    totals = Space.objects.aggregate(spaces=Count("id"), surface=Sum("surface_m2"))
    totals["surface"] = totals["surface"] or 0
    totals["members"] = Member.objects.filter(is_active=True).count()
    return totals


# ---------------------------------------------------------------------------------------------
# Who belongs to a space: the one definition
# ---------------------------------------------------------------------------------------------
# An active member belongs to a space when it is their home space, one of the other spaces on
# their profile, or a space where they hold an active membership (a plan). Space pages and their
# counts, lobby rooms, the directory's and the search's space filters and the help board's "same
# space" all ask these functions.


def _belonging_pairs(*, space_ids: Iterable[int] | None = None, member_ids: Iterable[int] | None = None):
    """(space id, member id) querysets, one per way of belonging, narrowed to the ids given
    (`member_ids` may be a queryset of member ids: it becomes a subquery)."""
    home = Member.objects.filter(is_active=True, home_space__isnull=False)
    other = Member.other_spaces.through.objects.filter(member__is_active=True)
    plans = Membership.objects.filter(is_active=True, member__is_active=True)
    if space_ids is not None:
        space_ids = list(space_ids)
        home, other, plans = (
            home.filter(home_space_id__in=space_ids),
            other.filter(space_id__in=space_ids),
            plans.filter(space_id__in=space_ids),
        )
    if member_ids is not None:
        member_ids = member_ids if isinstance(member_ids, QuerySet) else list(member_ids)
        home, other, plans = (
            home.filter(pk__in=member_ids),
            other.filter(member_id__in=member_ids),
            plans.filter(member_id__in=member_ids),
        )
    # order_by(): no default ordering, so the three can be one UNION.
    return (
        home.values_list("home_space_id", "id").order_by(),
        other.values_list("space_id", "member_id").order_by(),
        plans.values_list("space_id", "member_id").order_by(),
    )


def space_members_q(*, space_ids: Iterable[int], correlated: bool = False) -> Q:
    """The condition on members: they belong to one of these spaces.

    By default the database starts from each space's members (IN subqueries); `correlated`
    checks member by member instead (EXISTS), which finds a page sooner when a query walks a
    sorted index through a space that holds many members."""
    space_ids = list(space_ids)
    home = Member.objects.filter(home_space_id__in=space_ids)
    other = Member.other_spaces.through.objects.filter(space_id__in=space_ids)
    plans = Membership.objects.filter(space_id__in=space_ids, is_active=True)
    if correlated:
        belongs = (
            Q(home_space_id__in=space_ids)
            | Q(Exists(other.filter(member_id=OuterRef("pk"))))
            | Q(Exists(plans.filter(member_id=OuterRef("pk"))))
        )
    else:
        belongs = (
            Q(pk__in=home.values("pk"))
            | Q(pk__in=other.values("member_id"))
            | Q(pk__in=plans.values("member_id"))
        )
    return Q(is_active=True) & belongs


def space_member_set(*, slug: str) -> MemberSet:
    """The members of a space as a directory filter; nobody for a slug no space has."""
    space_id = Space.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if space_id is None:
        return MemberSet.nobody()
    residents = Member.objects.filter(home_space_id=space_id)
    return MemberSet(
        start_here=space_members_q(space_ids=[space_id]),
        check_each=space_members_q(space_ids=[space_id], correlated=True),
        size=lambda: estimated_size(f"space:{space_id}", residents.count),
    )


def region_space_ids(*, region: str) -> list[int]:
    return list(Space.objects.filter(region=region).values_list("pk", flat=True))


def space_member_ids(*, space_ids: Iterable[int]) -> set[int]:
    """Every member who belongs to one of these spaces."""
    return {member_id for pairs in _belonging_pairs(space_ids=space_ids) for _space, member_id in pairs}


def member_space_ids(*, member_ids: Iterable[int]) -> dict[int, set[int]]:
    """member id -> the spaces they belong to (members who belong nowhere are left out)."""
    spaces: dict[int, set[int]] = defaultdict(set)
    for pairs in _belonging_pairs(member_ids=member_ids):
        for space_id, member_id in pairs:
            spaces[member_id].add(space_id)
    return dict(spaces)


def space_member_counts() -> dict[int, int]:
    """Members per space id, each member counted once per space however they belong to it."""
    home, other, plans = _belonging_pairs()
    counts: dict[int, int] = defaultdict(int)
    for space_id, _member in home.union(other, plans):  # UNION: one row per (space, member)
        counts[space_id] += 1
    return dict(counts)


def spaces_for_list(*, region: str = "") -> list[Space]:
    """Spaces by region and city, each with `member_count` and `in_today` set."""
    spaces = Space.objects.order_by("region", "city", "name")
    if region:
        spaces = spaces.filter(region=region)
    counts = space_member_counts()
    in_today = dict(
        CheckIn.objects.filter(ended_at__isnull=True, started_at__gte=start_of_today())
        .values_list("space_id")
        .annotate(n=Count("id"))
        .values_list("space_id", "n")
    )
    result = list(spaces)
    for space in result:
        space.member_count = counts.get(space.pk, 0)
        space.in_today = in_today.get(space.pk, 0)
    return result


def space_members(*, space: Space, viewer) -> QuerySet[Member]:
    """Members who belong to `space` that `viewer` may see, newest first."""
    return (
        Member.objects.filter(space_members_q(space_ids=[space.pk]))
        .filter(visible_members_q(viewer))
        .order_by("-date_joined", "pk")
    )


def member_main_space(*, member) -> Space | None:
    """The space a member calls home: their home space, else their oldest active membership."""
    if member is None or not member.is_authenticated:
        return None
    if member.home_space_id:
        return member.home_space
    membership = (
        Membership.objects.filter(member=member, is_active=True)
        .select_related("space")
        .order_by("started_on")
        .first()
    )
    return membership.space if membership else None


def member_membership(*, member, space: Space) -> Membership | None:
    if member is None or not member.is_authenticated:
        return None
    return (
        Membership.objects.filter(member=member, space=space, is_active=True).select_related("plan").first()
    )


# ---------------------------------------------------------------------------------------------
# Who's in today
# ---------------------------------------------------------------------------------------------


@dataclass
class WhosIn:
    check_ins: list[CheckIn]  # the ones the viewer may see, earliest first
    total: int  # everyone checked in, hidden profiles included (counted, never named)

    @property
    def others(self) -> int:
        return self.total - len(self.check_ins)


def whos_in_today(*, space: Space, viewer) -> WhosIn:
    """Members checked in at `space` now, as `viewer` may see them."""
    today = CheckIn.objects.filter(space=space, ended_at__isnull=True, started_at__gte=start_of_today())
    visible = list(
        today.filter(visible_members_q(viewer, prefix="member__"))
        .select_related("member")
        .order_by("started_at", "pk")  # two check-ins in the same instant stay in arrival order
    )
    return WhosIn(check_ins=visible, total=today.count())


def open_check_in(*, member) -> CheckIn | None:
    """The member's check-in of today that is still open (an older open one has ended at midnight)."""
    if member is None or not member.is_authenticated:
        return None
    return (
        CheckIn.objects.filter(member=member, ended_at__isnull=True, started_at__gte=start_of_today())
        .select_related("space")
        .first()
    )


def _seconds(check_in: CheckIn, now: dt.datetime) -> float:
    end = check_in.ended_at or min(now, midnight_after(check_in.started_at))
    return max((end - check_in.started_at).total_seconds(), 0.0)


@dataclass
class HoursRow:
    space: Space | None
    member: Member | None
    visits: int
    seconds: float

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 2)


def member_hours(*, member, year: int, month: int, now: dt.datetime | None = None) -> list[HoursRow]:
    """The member's time per space in a local calendar month (by the day each visit began)."""
    now = now or timezone.now()
    start, end = month_bounds(year, month)
    rows: dict[int, HoursRow] = {}
    for check_in in CheckIn.objects.filter(
        member=member, started_at__gte=start, started_at__lt=end
    ).select_related("space"):
        row = rows.setdefault(
            check_in.space_id, HoursRow(space=check_in.space, member=member, visits=0, seconds=0)
        )
        row.visits += 1
        row.seconds += _seconds(check_in, now)
    return sorted(rows.values(), key=lambda row: row.space.name)


def space_hours(*, space: Space, year: int, month: int, now: dt.datetime | None = None) -> list[HoursRow]:
    """Every member's time at `space` in a local calendar month, for the managers' export."""
    now = now or timezone.now()
    start, end = month_bounds(year, month)
    rows: dict[int, HoursRow] = {}
    for check_in in CheckIn.objects.filter(
        space=space, started_at__gte=start, started_at__lt=end
    ).select_related("member"):
        row = rows.setdefault(
            check_in.member_id, HoursRow(space=space, member=check_in.member, visits=0, seconds=0)
        )
        row.visits += 1
        row.seconds += _seconds(check_in, now)
    return sorted(rows.values(), key=lambda row: (str(row.member).lower(), row.member.pk))


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


def _with_counts(events: QuerySet[Event]) -> QuerySet[Event]:
    return events.select_related("space").annotate(
        going_count=Count("rsvps", filter=Q(rsvps__status=RSVP.Status.GOING)),
        waiting_count=Count("rsvps", filter=Q(rsvps__status=RSVP.Status.WAITING)),
    )


def upcoming_events(
    *, space: Space | None = None, include_network: bool = True, now: dt.datetime | None = None
) -> QuerySet[Event]:
    """Events not over yet, soonest first; of one space (plus the network's) or of all."""
    events = Event.objects.filter(ends_at__gte=now or timezone.now(), hidden_by_moderators=False)
    if space is not None:
        events = (
            events.filter(Q(space=space) | Q(space__isnull=True))
            if include_network
            else events.filter(space=space)
        )
    return _with_counts(events).order_by("starts_at", "id")


def event_for_page(*, pk: int, viewer=None) -> Event:
    """One event (raises Event.DoesNotExist); one the moderators hid exists for staff only."""
    events = Event.objects.filter(pk=pk)
    if not (viewer is not None and viewer.is_authenticated and viewer.is_staff):
        events = events.filter(hidden_by_moderators=False)
    return _with_counts(events).get()


def event_attendees(*, event: Event, viewer) -> list[Member]:
    """Members going, as the viewer may see them, in the order they said yes."""
    return [
        rsvp.member
        for rsvp in event.rsvps.filter(status=RSVP.Status.GOING)
        .filter(visible_members_q(viewer, prefix="member__"))
        .select_related("member")
        .order_by("requested_at", "id")
    ]


def member_rsvp(*, event: Event, member) -> RSVP | None:
    if member is None or not member.is_authenticated:
        return None
    return RSVP.objects.filter(event=event, member=member).first()


def waiting_position(*, rsvp: RSVP) -> int | None:
    """1 for the first on the waiting list, and so on; None when not waiting."""
    if rsvp.status != RSVP.Status.WAITING:
        return None
    ahead = RSVP.objects.filter(event_id=rsvp.event_id, status=RSVP.Status.WAITING).filter(
        Q(requested_at__lt=rsvp.requested_at) | Q(requested_at=rsvp.requested_at, id__lt=rsvp.id)
    )
    return ahead.count() + 1


def member_upcoming_rsvps(*, member, now: dt.datetime | None = None) -> QuerySet[RSVP]:
    return (
        RSVP.objects.filter(member=member, event__ends_at__gte=now or timezone.now())
        .exclude(status=RSVP.Status.CANCELLED)
        .select_related("event", "event__space")
        .order_by("event__starts_at")
    )


# ---------------------------------------------------------------------------------------------
# Free trials
# ---------------------------------------------------------------------------------------------


def trial_requests_for_managers(*, space: Space) -> QuerySet[TrialRequest]:
    """Trial requests from today on, pending first, then by day."""
    return (
        TrialRequest.objects.filter(space=space, date__gte=timezone.localdate())
        .select_related("decided_by")
        .order_by("date", "created_at")
    )


@dataclass(frozen=True)
class SpacePoint:
    """Where a space is, for distances: its own coordinates, else its city's, else its region's."""

    id: int
    slug: str
    region: str
    location: tuple[float, float]


def space_points() -> dict[int, SpacePoint]:
    """Every space by id, with a location to measure distances from (never None)."""
    points = {}
    for space_id, slug, region, city, latitude, longitude in Space.objects.values_list(
        "id", "slug", "region", "city", "latitude", "longitude"
    ):
        location = (latitude, longitude) if latitude is not None and longitude is not None else None
        if location is None:
            location = city_location(city)
        if location is None:
            centre = place(region)
            location = (centre.latitude, centre.longitude) if centre else (50.5, 4.47)
        points[space_id] = SpacePoint(space_id, slug, region, location)
    return points
