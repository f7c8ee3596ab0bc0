"""Jobs of the chat: email the direct messages and message requests a member has not read.

A direct message schedules one check per conversation and recipient, MISSED_MESSAGE_EMAIL_DELAY
seconds later (`missed_messages_later`, at most one pending per pair); the check emails what is
still unread then, all of it in one email, and remembers the last message emailed
(`Participant.emailed_up_to_id`), so what was read meanwhile is never emailed and nothing twice.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from community.notifications import email
from community.notifications.kinds import MESSAGES, actor_name
from community.notifications.models import Delivery
from community.notifications.selectors import delivery_for
from community.notifications.tasks import RETRY, push_message
from messaging.attachments import attachments_delete_stale, message_text
from messaging.models import Conversation, Message, Participant
from messaging.selectors import online_member_ids

MESSAGES_LISTED = 5


def missed_messages_later(*, conversation_id: int, member_id: int, message_id: int) -> None:
    """Once committed, unless a check is pending for this recipient: push the message to their
    devices if no tab of theirs is open, and schedule the unread check (the email)."""
    delay = settings.MISSED_MESSAGE_EMAIL_DELAY

    def schedule() -> None:
        # One pending check per pair: a burst of messages is one push, one job and one email.
        if cache.add(f"missed-messages:{conversation_id}:{member_id}", 1, timeout=delay):
            push_message_if_away(member_id, message_id)
            email_missed_messages.schedule(args=(conversation_id, member_id), delay=delay)

    transaction.on_commit(schedule, robust=True)


@db_task(**RETRY)
def push_message_if_away(member_id: int, message_id: int) -> int:
    """Push a direct message (or a request) to the recipient's devices when no tab of theirs is
    open; how many devices took it."""
    message = Message.objects.select_related("sender", "conversation").filter(pk=message_id).first()
    if message is None or member_id in online_member_ids(member_ids=[member_id]):
        return 0
    listening = Participant.objects.filter(
        conversation_id=message.conversation_id,
        member_id=member_id,
        muted=False,
        status__in=[Participant.Status.ACCEPTED, Participant.Status.REQUESTED],
    ).exists()
    if not listening:
        return 0
    return push_message.call_local(
        member_id,
        message.conversation_id,
        actor_name(message.sender),
        Truncator(message_text(message)).chars(140),
        message.conversation.get_absolute_url(),
    )


@db_periodic_task(crontab(minute="*/5"), **RETRY)
def email_missed_messages_left() -> int:
    """Every five minutes, the checks a lost job never made (a crash between a commit and its
    enqueue, a worker killed in the middle of one): direct conversations with a message of the
    last day, older than the delay, past what each other participant read or was emailed."""
    now = timezone.now()
    delay = timedelta(seconds=settings.MISSED_MESSAGE_EMAIL_DELAY)
    newest = (
        Message.objects.filter(conversation_id=OuterRef("conversation_id")).order_by("-id").values("id")[:1]
    )
    waiting = (
        Participant.objects.filter(
            conversation__kind=Conversation.Kind.DIRECT,
            conversation__last_message_at__gte=now - timedelta(days=1),
            conversation__last_message_at__lte=now - delay,
            muted=False,
            status__in=[Participant.Status.ACCEPTED, Participant.Status.REQUESTED],
        )
        .annotate(newest=Subquery(newest))
        .filter(newest__gt=F("last_read_id"))
        .filter(newest__gt=F("emailed_up_to_id"))
        .values_list("conversation_id", "member_id")
    )
    return sum(email_missed_messages.call_local(c, m) is not None for c, m in waiting)


@db_task(**RETRY)
def email_missed_messages(conversation_id: int, member_id: int) -> int | None:
    """Email the member what they have not read in this direct conversation; the email's id."""
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update()
            .select_related("member", "conversation")
            .filter(
                conversation_id=conversation_id,
                member_id=member_id,
                muted=False,
                status__in=[Participant.Status.ACCEPTED, Participant.Status.REQUESTED],
            )
            .first()
        )
        if participant is None or delivery_for(member=member_id, topic=MESSAGES) != Delivery.IMMEDIATELY:
            return None
        unread = list(
            Message.objects.filter(
                conversation_id=conversation_id,
                id__gt=max(participant.last_read_id, participant.emailed_up_to_id),
                deleted_at__isnull=True,  # taken back before the email went: not told
            )
            .exclude(sender_id=member_id)
            .select_related("sender")
            .order_by("id")
        )
        if not unread:
            return None
        last_id = unread[-1].pk
        row = email.write(
            member=participant.member,
            topic=MESSAGES,
            key=f"missed:{participant.pk}:{last_id}",
            compose=lambda: _missed_email(participant, unread),
        )
        Participant.objects.filter(pk=participant.pk).update(emailed_up_to_id=last_id)
    if row is None:
        return None
    email.email_send([row.pk])
    return row.pk


def _missed_email(participant: Participant, unread: list[Message]) -> email.Email:
    sender = actor_name(unread[-1].sender)
    url = email.absolute(participant.conversation.get_absolute_url())
    if participant.status == Participant.Status.REQUESTED:
        subject = _("%(name)s would like to write to you") % {"name": sender}
        intro = _("Their first message waits as a request: accept it to answer, or decline it.")
        action = _("See the request")
    else:
        subject = ngettext(
            "%(count)d new message from %(name)s",
            "%(count)d new messages from %(name)s",
            len(unread),
        ) % {"count": len(unread), "name": sender}
        intro = _("You have not read these yet:")
        action = _("Reply")
    shown = unread[-MESSAGES_LISTED:]
    items = [
        email.Item(title=actor_name(m.sender), text=Truncator(message_text(m)).chars(300)) for m in shown
    ]
    paragraphs = [intro]
    if len(unread) > len(shown):
        paragraphs.append(_("… and %(count)d earlier ones.") % {"count": len(unread) - len(shown)})
    return email.Email(
        subject=subject, paragraphs=paragraphs, items=items, action_label=action, action_url=url
    )


@db_periodic_task(crontab(minute="23"), **RETRY)
def attachments_sweep() -> int:
    """Every hour: uploads never sent, a day after they were uploaded, go with their files."""
    return attachments_delete_stale()
