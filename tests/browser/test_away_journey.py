"""A member who is away hears of a message by email: Lieve is not on the site, Marc writes to her;
the real worker emails her in Dutch once the message has waited unread; she follows the email's
link straight to the conversation, and its unsubscribe link turns those emails off. Laptop and phone.

The module's Daphne and the worker share the test's job queue (JOBS_SQLITE_PATH); the delay
before a missed message is emailed is two seconds here (600 by default).
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import orm
from tests.factories import MemberFactory, SpaceFactory
from tests.fixtures.smtp import html_of, text_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DELAY = "2"


@pytest.fixture(scope="module")
def _module_daphne(django_db_setup, django_db_blocker, playwright_instance):
    from django.conf import settings

    from tests.fixtures.daphne import LiveDaphne, server_env

    with django_db_blocker.unblock():
        env = server_env(
            DJANGO_ALLOW_ASYNC_UNSAFE="",
            JOBS_SQLITE_PATH=settings.HUEY["filename"],
            MISSED_MESSAGE_EMAIL_DELAY=DELAY,
        )
        server = LiveDaphne(env=env)
    server.start()
    yield server
    server.stop()


def given_two_members():
    space = SpaceFactory(name="Coworking Gent", slug="coworking-gent", city="Gent")
    marc = MemberFactory(
        username="marc", display_name="Marc Dupont", home_space=space, preferred_language="fr"
    )
    lieve = MemberFactory(
        username="lieve",
        display_name="Lieve Janssens",
        email="lieve@example.be",
        home_space=space,
        preferred_language="nl",
    )
    return marc, lieve


def test_an_away_member_gets_the_message_by_email_and_can_turn_it_off(
    daphne_server, browser_session, viewport, smtp_server, worker_factory
):
    worker = worker_factory(
        **smtp_server.env, SITE_URL=daphne_server.http_url, MISSED_MESSAGE_EMAIL_DELAY=DELAY
    )
    marc, lieve = orm(given_two_members)

    # Marc writes to Lieve, who is not on the site
    him = browser_session(daphne_server, name="marc")
    him.login_as(marc)
    him.goto("/members/lieve/")
    him.page.get_by_role("button", name=re.compile("message", re.I)).first.click()
    him.page.wait_for_url("**/messages/*/")
    question = "Bonjour Lieve, tu pourrais traduire ma brochure en néerlandais ?"
    him.page.get_by_label(re.compile("Message", re.I)).fill(question)
    him.page.get_by_role("button", name=re.compile("Send|Envoyer")).click()
    him.page.locator("#chat-messages .chat-body", has_text=question).wait_for()
    conversation_path = him.page.url.removeprefix(daphne_server.http_url)

    # The worker emails her, in Dutch, once it has waited unread
    [mail] = smtp_server.wait_for(1, timeout=30)
    assert str(mail["To"]) == "lieve@example.be", worker.log()
    assert str(mail["Subject"]).strip() == "Marc Dupont wil je graag schrijven"
    assert question in text_of(mail) and question in html_of(mail)
    link = daphne_server.http_url + conversation_path
    assert link in text_of(mail)

    # She follows the link straight to the conversation
    her = browser_session(daphne_server, name="lieve", locale="nl-BE")
    her.login_as(lieve)
    her.page.goto(link)
    her.page.locator("#chat-messages .chat-body", has_text=question).wait_for()
    her.shot("conversation-from-email")

    # ... and the unsubscribe link in the email turns these emails off, without logging in
    unsubscribe = re.search(r"(http://\S+/notifications/unsubscribe/\S+/)", text_of(mail)).group(1)
    stranger = browser_session(daphne_server, name="anyone", locale="nl-BE")
    stranger.page.goto(unsubscribe)
    stranger.shot("unsubscribe")
    stranger.page.locator("#unsubscribe-form button").click()
    stranger.page.get_by_role("heading", name="Je bent uitgeschreven").wait_for()
    stranger.shot("unsubscribed")

    from community.notifications.selectors import delivery_for

    assert orm(lambda: delivery_for(member=lieve, topic="messages")) == "never"
    for tab in (him, her, stranger):
        assert tab.problems() == []
