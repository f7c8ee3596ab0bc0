"""Direct messages and requests a member has not read reach them by email, later and once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from community.notifications.models import Delivery, OutgoingEmail
from community.notifications.services import preference_set
from messaging import services
from messaging.tasks import email_missed_messages
from tests.factories import MemberFactory
from tests.fixtures.jobs import run_jobs
from tests.fixtures.smtp import text_of

# Time moves only when a test says so (the one-check-per-pair window lives in the cache's clock);
# a delay that crosses midnight changes nothing.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.clock("morning", "before-midnight")]

DELAY = 600  # MISSED_MESSAGE_EMAIL_DELAY's default


def _later(seconds: float = DELAY + 1):
    return timezone.now() + timedelta(seconds=seconds)


def _talking(a, b):
    conversation = services.conversation_direct_get_or_create(member=a, other=b)
    services.request_accept(member=b, conversation=conversation)
    return conversation


def _send(sender, conversation, body, n=[0]):  # noqa: B006 (a counter for unique client ids)
    n[0] += 1
    return services.message_send(sender=sender, conversation=conversation, body=body, client_id=f"c-{n[0]}")


def test_unread_messages_are_emailed_after_the_delay_in_one_email(smtp_server):
    anneleen = MemberFactory(display_name="Anneleen Peeters")
    sophie = MemberFactory(display_name="Sophie Lambert", email="sophie@example.be", preferred_language="fr")
    conversation = _talking(anneleen, sophie)

    for body in ("Hoi Sophie !", "Tu peux relire ma traduction ?", "C'est pour vendredi."):
        _send(anneleen, conversation, body)

    run_jobs(at=_later(DELAY - 60))  # not yet (the push to her devices went, if she had any)
    assert smtp_server.messages == []
    run_jobs(at=_later())

    [mail] = smtp_server.wait_for(1)
    assert str(mail["Subject"]).strip() == "3 nouveaux messages de Anneleen Peeters"
    text = text_of(mail)
    assert "Tu peux relire ma traduction ?" in text and "C'est pour vendredi." in text
    assert f"http://127.0.0.1:8000{conversation.get_absolute_url()}" in text
    assert "Répondre" in text


def test_what_was_read_meanwhile_is_never_emailed(smtp_server):
    a, b = MemberFactory(), MemberFactory()
    conversation = _talking(a, b)
    message = _send(a, conversation, "Are you in today?")

    services.conversation_mark_read(member=b, conversation_id=conversation.pk, message_id=message.pk)
    run_jobs(at=_later())

    assert OutgoingEmail.objects.count() == 0


def test_a_message_deleted_before_the_email_is_not_in_it(smtp_server):
    a, b = MemberFactory(), MemberFactory(email="b@example.be")
    conversation = _talking(a, b)
    _send(a, conversation, "Voici le code du wifi : hunter2")
    mistake = _send(a, conversation, "Oups, pas ici")
    services.message_delete(member=a, message_id=mistake.pk)

    run_jobs(at=_later())

    [mail] = smtp_server.wait_for(1)
    assert "hunter2" in text_of(mail) and "Oups" not in text_of(mail)


def test_nothing_is_emailed_twice_and_later_messages_get_their_own_email(smtp_server, clock):
    a, b = MemberFactory(), MemberFactory(preferred_language="en")
    conversation = _talking(a, b)
    _send(a, conversation, "First")
    clock.shift(DELAY + 1)
    run_jobs()

    assert email_missed_messages.call_local(conversation.pk, b.pk) is None  # ran again: nothing new
    _send(a, conversation, "Second")
    clock.shift(DELAY + 1)
    run_jobs()

    first, second = smtp_server.wait_for(2)
    assert "First" in text_of(first) and "Second" not in text_of(first)
    assert "Second" in text_of(second) and "First" not in text_of(second)
    assert str(second["Subject"]).strip().startswith("1 new message from")
    assert len(smtp_server.messages) == 2


def test_a_first_message_from_a_stranger_is_emailed_as_a_request(smtp_server):
    stranger, lieve = MemberFactory(display_name="Marc Dupont"), MemberFactory(preferred_language="nl")
    conversation = services.conversation_direct_get_or_create(member=stranger, other=lieve)

    _send(stranger, conversation, "Bonjour, je cherche une traductrice.")
    run_jobs(at=_later())

    [mail] = smtp_server.wait_for(1)
    assert str(mail["Subject"]).strip() == "Marc Dupont wil je graag schrijven"
    assert "Bonjour, je cherche une traductrice." in text_of(mail)


def test_a_muted_conversation_or_messages_set_to_never_send_nothing(smtp_server):
    a, muted, never = MemberFactory(), MemberFactory(), MemberFactory()
    muted_conversation, never_conversation = _talking(a, muted), _talking(a, never)
    services.participant_mute(member=muted, conversation=muted_conversation, muted=True)
    preference_set(member=never, topic="messages", delivery=Delivery.NEVER)

    _send(a, muted_conversation, "hello")
    _send(a, never_conversation, "hello")
    run_jobs(at=_later())

    assert OutgoingEmail.objects.count() == 0


def test_group_and_room_messages_are_not_emailed(smtp_server):
    a, b, c = MemberFactory(), MemberFactory(), MemberFactory()
    group = services.group_create(creator=a, title="Logo", members=[b, c])

    _send(a, group, "hello group")
    run_jobs(at=_later())

    assert OutgoingEmail.objects.count() == 0


def test_a_check_lost_with_its_job_is_made_by_the_sweep(smtp_server, clock):
    from messaging.tasks import email_missed_messages_left
    from tests.fixtures.jobs import flush_queue

    a, b = MemberFactory(), MemberFactory()
    conversation = _talking(a, b)
    _send(a, conversation, "Lost with a crashed worker")
    flush_queue()  # the scheduled check is gone

    clock.shift(DELAY - 30)
    assert email_missed_messages_left.call_local() == 0  # not missed yet
    clock.shift(60)
    assert email_missed_messages_left.call_local() == 1
    assert email_missed_messages_left.call_local() == 0

    [mail] = smtp_server.wait_for(1)
    assert "Lost with a crashed worker" in text_of(mail)
