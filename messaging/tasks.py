"""Jobs of the chat: email the direct messages and message requests a member has not read.

A direct message schedules one check per conversation and recipient, MISSED_MESSAGE_EMAIL_DELAY
seconds later (`missed_messages_later`, at most one pending per pair); the check emails what is
still unread then, all of it in one email, and remembers the last message emailed
(`Participant.emailed_up_to_id`), so what was read meanwhile is never emailed and nothing twice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from huey.contrib.djhuey import db_task

from community.notifications import email
from community.notifications.kinds import MESSAGES, actor_name
from community.notifications.models import Delivery
from community.notifications.selectors import delivery_for
from community.notifications.tasks import RETRY
from messaging.models import Message, Participant

MESSAGES_LISTED = 5


def missed_messages_later(*, conversation_id: int, member_id: int) -> None:
    """Once committed, schedule the unread check for this recipient unless one is pending."""
    delay = settings.MISSED_MESSAGE_EMAIL_DELAY

    def schedule() -> None:
        # One pending check per pair: a burst of messages is one job and one email.
        if cache.add(f"missed-messages:{conversation_id}:{member_id}", 1, timeout=delay):
            email_missed_messages.schedule(args=(conversation_id, member_id), delay=delay)

    transaction.on_commit(schedule, robust=True)


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
    items = [email.Item(title=actor_name(m.sender), text=Truncator(m.body).chars(300)) for m in shown]
    paragraphs = [intro]
    if len(unread) > len(shown):
        paragraphs.append(_("… and %(count)d earlier ones.") % {"count": len(unread) - len(shown)})
    return email.Email(
        subject=subject, paragraphs=paragraphs, items=items, action_label=action, action_url=url
    )
