from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet

from community.notifications.kinds import TOPICS
from community.notifications.models import Notification, NotificationPreference, PushSubscription
from profiles.models import Member


def notifications_for(*, member: Member, limit: int = 50) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=member)
        .select_related("actor")
        .order_by("-created", "-id")[:limit]
    )


def notifications_unread_count(*, member: Member | int) -> int:
    member_id = member if isinstance(member, int) else member.pk
    return Notification.objects.filter(recipient_id=member_id, read_at__isnull=True).count()


def deliveries_for(*, member: Member) -> dict[str, str]:
    """The member's delivery for every topic: their choice, or the topic's default."""
    return deliveries_by_member(member_ids=[member.pk])[member.pk]


def deliveries_by_member(*, member_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """`deliveries_for` of many members in one query: member id -> topic -> delivery."""
    ids = list(member_ids)
    chosen: dict[int, dict[str, str]] = defaultdict(dict)
    for member_id, topic, delivery in NotificationPreference.objects.filter(member_id__in=ids).values_list(
        "member_id", "topic", "delivery"
    ):
        chosen[member_id][topic] = delivery
    return {pk: {key: chosen[pk].get(key, topic.default) for key, topic in TOPICS.items()} for pk in ids}


def unread_notifications_by_member(
    *, member_ids: Iterable[int], since: datetime | None = None, until: datetime | None = None
) -> dict[int, list[Notification]]:
    """Unread notifications of these members (stored in [since, until)), newest first, with their
    actor: member id -> notifications (members with none are left out)."""
    notifications = Notification.objects.filter(recipient_id__in=list(member_ids), read_at__isnull=True)
    if since is not None:
        notifications = notifications.filter(created__gte=since)
    if until is not None:
        notifications = notifications.filter(created__lt=until)
    found: dict[int, list[Notification]] = defaultdict(list)
    for notification in notifications.select_related("actor").order_by("-created", "-id"):
        found[notification.recipient_id].append(notification)
    return dict(found)


def delivery_for(*, member: Member | int, topic: str) -> str:
    member_id = member if isinstance(member, int) else member.pk
    chosen = (
        NotificationPreference.objects.filter(member_id=member_id, topic=topic)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or TOPICS[topic].default


def members_with_delivery(*, topic: str, delivery: str) -> QuerySet:
    """Ids of active members with an email address whose delivery for `topic` is `delivery`."""
    others = NotificationPreference.objects.filter(topic=topic).exclude(delivery=delivery).values("member_id")
    chosen = NotificationPreference.objects.filter(topic=topic, delivery=delivery).values("member_id")
    members = Member.objects.filter(is_active=True).exclude(email="")
    if TOPICS[topic].default == delivery:
        return members.exclude(pk__in=others).values_list("pk", flat=True)
    return members.filter(pk__in=chosen).values_list("pk", flat=True)


def push_subscriptions_for(*, member: Member) -> QuerySet[PushSubscription]:
    """The member's devices that show notifications, newest first."""
    return PushSubscription.objects.filter(member=member).order_by("-created", "-id")
