"""Lobby rooms follow the spaces a member belongs to: home space and other spaces of the
profile, and active memberships (plans). Open chat sockets follow the member's sessions: a
logout, a deactivation, a password change or a deletion closes those whose session ended.

Connected in MessagingConfig.ready: profiles does not know that chat exists. Bulk inserts
(seed_demo) skip signals; `space_room_members_sync` covers them.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save

from community.core.jobs import enqueue_after_commit
from community.network.models import Membership
from community.notifications.signals import notification_stored
from community.notifications.tasks import push_notification
from messaging.attachments import attachment_files_delete
from messaging.models import Attachment
from messaging.selectors import online_member_ids
from messaging.services import notification_announce, sessions_ended, space_rooms_sync
from profiles.models import Member


def member_saved(
    sender, instance: Member, created: bool, update_fields=None, raw: bool = False, **kwargs
) -> None:
    if raw:
        return
    if not created:
        _sessions_may_have_ended(instance, update_fields)
    if (
        update_fields is not None
        and "home_space" not in update_fields
        and "home_space_id" not in update_fields
    ):
        return  # a login or a profile edit that does not touch the space
    if created and not instance.home_space_id:
        return
    space_rooms_sync(member=instance)


def _sessions_may_have_ended(member: Member, update_fields) -> None:
    # AbstractBaseUser keeps `_password` set until save() returns when set_password was called:
    # the auth hash of every other session no longer matches. The earlier is_active value is not
    # known here, so any save of an inactive member tells their sockets (a few layer events).
    password_changed = getattr(member, "_password", None) is not None
    deactivated = not member.is_active and (update_fields is None or "is_active" in update_fields)
    if password_changed or deactivated:
        sessions_ended(member_id=member.pk)


def member_deleted(sender, instance: Member, **kwargs) -> None:
    sessions_ended(member_id=instance.pk)


def member_logged_out(sender, request, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        sessions_ended(member_id=user.pk, session_key=session_key)


def other_spaces_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        space_rooms_sync(member=instance)
        return
    # space.visiting_members.add(...): the members are in pk_set (unknown after a clear).
    for member in Member.objects.filter(pk__in=pk_set or []):
        space_rooms_sync(member=member)


def membership_changed(sender, instance: Membership, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    space_rooms_sync(member=instance.member)


def notification_was_stored(sender, notification, **kwargs) -> None:
    notification_announce(notification)
    # A member with a tab open sees it there; only the others get it on their devices.
    if notification.recipient_id not in online_member_ids(member_ids=[notification.recipient_id]):
        enqueue_after_commit(push_notification, notification.pk)


def connect() -> None:
    notification_stored.connect(notification_was_stored, dispatch_uid="messaging.notification_stored")
    post_save.connect(member_saved, sender=Member, dispatch_uid="messaging.member_saved")
    post_delete.connect(member_deleted, sender=Member, dispatch_uid="messaging.member_deleted")
    user_logged_out.connect(member_logged_out, dispatch_uid="messaging.member_logged_out")
    m2m_changed.connect(
        other_spaces_changed, sender=Member.other_spaces.through, dispatch_uid="messaging.other_spaces"
    )
    post_save.connect(membership_changed, sender=Membership, dispatch_uid="messaging.membership_saved")
    post_delete.connect(membership_changed, sender=Membership, dispatch_uid="messaging.membership_deleted")
    # A deleted attachment row (swept, or with its message, conversation or member) takes its files.
    post_delete.connect(
        attachment_files_delete, sender=Attachment, dispatch_uid="messaging.attachment_deleted"
    )
