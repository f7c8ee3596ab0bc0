"""Real processes: a moderator suspends a member on one Daphne server; their socket on the other
server (sharing Redis and the database) closes at once."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.utils import timezone

from community.moderation import services
from community.moderation.models import Kind, Report
from messaging import services as messaging_services
from profiles.models import Member
from tests.factories import MemberFactory
from tests.fixtures.daphne import cookie_header
from tests.messaging.live_client import LiveChatClient

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _post_form(server, path: str, cookie: str, fields: dict[str, str]) -> int:
    """A form POST as the browser sends it (with a CSRF token), without following the redirect."""
    token = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and field alike
    request = urllib.request.Request(
        f"{server.http_url}{path}",
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode(),
        headers={"Cookie": f"{cookie}; csrftoken={token}"},
        method="POST",
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        return urllib.request.build_opener(NoRedirect).open(request, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_suspension_on_one_server_closes_the_members_socket_on_the_other(daphne_factory, redis_url):
    alice = MemberFactory(username="alice")
    troll = MemberFactory(username="troll")
    staff = MemberFactory(username="mod", is_staff=True)
    conversation = messaging_services.conversation_direct_get_or_create(member=troll, other=alice)
    messaging_services.request_accept(member=alice, conversation=conversation)
    report = services.report_create(reporter=alice, kind=Kind.PROFILE, object_id=troll.pk, reason="spam")
    server_a = daphne_factory(redis_url=redis_url)
    server_b = daphne_factory(redis_url=redis_url)
    troll_socket = LiveChatClient(
        ws_url=server_b.ws_url(), origin=server_b.origin, cookie=cookie_header(troll)
    )
    alice_socket = LiveChatClient(
        ws_url=server_b.ws_url(), origin=server_b.origin, cookie=cookie_header(alice)
    )
    staff_cookie = cookie_header(staff)
    until = timezone.localtime(timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    async def scenario() -> tuple[int, dict]:
        await troll_socket.connect()
        await alice_socket.connect()
        status = await asyncio.to_thread(
            _post_form,
            server_a,
            f"/moderation/reports/{report.pk}/resolve/",
            staff_cookie,
            {"action": "suspend", "until": until, "note": "cool down"},
        )
        await asyncio.wait_for(troll_socket.socket.wait_closed(), 10)
        client_id = await alice_socket.send(conversation.pk, "still here")
        ack = await alice_socket.wait_for(lambda f: f["type"] == "ack" and f["client_id"] == client_id)
        await troll_socket.close()
        await alice_socket.close()
        return status, ack

    status, ack = asyncio.run(scenario())

    assert status == 302
    assert troll_socket.socket.close_code == 4001
    assert ack["message"]["body"] == "still here"
    assert Member.objects.get(pk=troll.pk).is_suspended()
    assert Report.objects.get().resolution == "suspend"
