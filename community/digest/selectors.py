"""What a weekly digest says, for a batch of members at a time.

What is shared by the batch is read once, in a few queries (the new members and the skills they
offer, the open requests and their skills, the coming week's events), then each member's digest
is picked in memory. Every rule is asked of the app that owns it: who may see whom
(`profiles.visibility`), who belongs to a space (`network.selectors.member_space_ids`), who can
answer a request (`helpboard.selectors.requests_for_helpers`), how a member wants each topic
(`notifications.selectors`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from community.digest.weeks import WINDOW
from community.helpboard.models import HelpRequest
from community.helpboard.selectors import requests_for_helpers
from community.network.models import Event
from community.network.selectors import member_space_ids, upcoming_events
from community.notifications.kinds import DIGEST, topic_of
from community.notifications.models import Delivery, Notification
from community.notifications.selectors import deliveries_by_member, unread_notifications_by_member
from profiles.models import Member, SkillTag
from profiles.selectors import attach_skills
from profiles.visibility import listed_members, member_is_visible

SHOWN = 3  # items per section
NOTIFICATIONS_SHOWN = 5


@dataclass
class Offer:
    """A new member, and the skills they offer that the reader looks for."""

    member: Member
    skills: list[SkillTag]


@dataclass
class Digest:
    member: Member
    offers: list[Offer] = field(default_factory=list)
    offers_total: int = 0
    requests: list[HelpRequest] = field(default_factory=list)
    requests_total: int = 0
    events: list[Event] = field(default_factory=list)
    events_total: int = 0
    notifications: list[Notification] = field(default_factory=list)
    notifications_total: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.offers_total or self.requests_total or self.events_total or self.notifications_total)


def _new_offerers(*, since: dt.datetime, until: dt.datetime) -> dict[int, list[Member]]:
    """tag id -> members who joined in [since, until) offering it, newest first; only members
    someone may see listed (each reader's own view is checked with `member_is_visible`)."""
    joined = list(
        listed_members()
        .filter(date_joined__gte=since, date_joined__lt=until)
        .select_related("home_space")
        .only(
            "id",
            "username",
            "display_name",
            "is_active",
            "visibility",
            "date_joined",
            "home_space__id",
            "home_space__name",
        )
        .order_by("-date_joined", "-id")
    )
    attach_skills(joined)
    by_tag: dict[int, list[Member]] = defaultdict(list)
    for rank, member in enumerate(joined):
        member.digest_rank = rank  # newest first
        for tag in member.offered_tags:
            by_tag[tag.pk].append(member)
    return by_tag


def _offers_for(reader: Member, by_tag: dict[int, list[Member]]) -> list[Offer]:
    wants = {tag.pk for tag in reader.wanted_tags}
    candidates = {member.pk: member for tag_id in wants for member in by_tag.get(tag_id, ())}
    shown = sorted(
        (
            member
            for member in candidates.values()
            if member.pk != reader.pk and member_is_visible(member, viewer=reader)
        ),
        key=lambda member: member.digest_rank,
    )
    return [Offer(member, [tag for tag in member.offered_tags if tag.pk in wants]) for member in shown]


def digests_for(*, members: Sequence[Member], at: dt.datetime) -> Iterator[Digest]:
    """Each member's digest as of `at`: members who joined in the seven days before, offering a
    skill the member looks for; open requests asked in those days that the member can answer;
    events of the seven days after in the member's spaces (or of the whole network); unread
    notifications of those days whose topic the member set to the digest. Empty sections stay
    empty (`Digest.is_empty`: nothing to say)."""
    since, until = at - WINDOW, at + WINDOW
    ids = [member.pk for member in members]
    attach_skills(members)
    offerers = _new_offerers(since=since, until=at)
    helpable = requests_for_helpers(members=members, since=since, limit=None)
    spaces = member_space_ids(member_ids=ids)
    events = list(upcoming_events(now=at).filter(starts_at__lt=until))
    deliveries = deliveries_by_member(member_ids=ids)
    digest_topics = {
        pk: {topic for topic, delivery in chosen.items() if delivery == Delivery.DIGEST and topic != DIGEST}
        for pk, chosen in deliveries.items()
    }
    unread = unread_notifications_by_member(
        member_ids=[pk for pk, topics in digest_topics.items() if topics], since=since, until=at
    )
    for member in members:
        offers = _offers_for(member, offerers)
        requests = helpable.get(member.pk, [])
        mine = spaces.get(member.pk, set())
        coming = [event for event in events if event.space_id is None or event.space_id in mine]
        topics = digest_topics.get(member.pk, set())
        notifications = [n for n in unread.get(member.pk, ()) if topic_of(n.kind) in topics]
        yield Digest(
            member=member,
            offers=offers[:SHOWN],
            offers_total=len(offers),
            requests=requests[:SHOWN],
            requests_total=len(requests),
            events=coming[:SHOWN],
            events_total=len(coming),
            notifications=notifications[:NOTIFICATIONS_SHOWN],
            notifications_total=len(notifications),
        )
