"""Web push through a real push service on 127.0.0.1 (tests/fixtures/push_service.py).

What the app sends is decrypted with the device's own private key, as the browser would, and
its VAPID signature verified; the jobs run through the real queue (`run_jobs`).
"""

from __future__ import annotations

import base64
import datetime
import logging
import time

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from community.notifications.models import Delivery, PushSubscription
from community.notifications.push import push_to_member
from community.notifications.services import (
    PUSH_DEVICES_PER_MEMBER,
    notify,
    preference_set,
    push_subscription_save,
)
from community.notifications.tasks import push_message
from messaging.models import ChatConnection, ChatProcess
from tests.factories import MemberFactory
from tests.fixtures.jobs import run_jobs

pytestmark = pytest.mark.django_db(transaction=True)

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"


def _subscribed(member, device):
    subscription, _created = push_subscription_save(member=member, **device.subscription())
    return subscription


def _match(recipient, author):
    return notify(
        recipient=recipient,
        kind="help_match",
        actor=author,
        params={"title": "Qui peut traduire mon site ?", "excerpt": "Une boutique en ligne, 40 pages."},
        url="/help/7/",
    )


# --- sending ---------------------------------------------------------------------------------


def test_a_notification_reaches_the_device_encrypted_in_the_recipients_language_and_signed(push_service):
    author = MemberFactory(display_name="Camille Dubois")
    helper = MemberFactory(preferred_language="nl")
    phone = push_service.device("phone")
    _subscribed(helper, phone)

    notification = _match(helper, author)
    run_jobs()

    [push] = push_service.pushes_to(phone)
    assert push.payload == {
        "title": "Camille Dubois kan je hulp goed gebruiken: Qui peut traduire mon site ?",
        "body": "Une boutique en ligne, 40 pages.",
        "url": "/help/7/",
        "tag": f"notification-{notification.pk}",
        "icon": push.payload["icon"],
    }
    assert push.payload["icon"].endswith("notifications/icons/icon-192.png")
    assert push.headers["content-encoding"] == "aes128gcm"
    assert push.headers["ttl"] == str(settings.PUSH_TTL)
    # Signed with the site's key, for this push service, by whom to write to, for a while.
    assert push.vapid_key == settings.VAPID_PUBLIC_KEY
    assert push.vapid_claims["aud"] == push_service.url
    assert push.vapid_claims["sub"] == settings.VAPID_SUBJECT
    assert time.time() < push.vapid_claims["exp"] <= time.time() + 24 * 3600
    assert PushSubscription.objects.get().last_success is not None


def test_every_device_of_the_member_gets_its_own_encryption(push_service):
    helper = MemberFactory(preferred_language="fr")
    phone, laptop = push_service.device("phone"), push_service.device("laptop")
    _subscribed(helper, phone)
    _subscribed(helper, laptop)

    delivered = push_to_member(helper.pk, {"title": "Bonjour", "body": "", "url": "/", "tag": "t"})

    assert delivered == 2
    [on_phone], [on_laptop] = push_service.pushes_to(phone), push_service.pushes_to(laptop)
    assert on_phone.payload["title"] == on_laptop.payload["title"] == "Bonjour"
    assert on_phone.body != on_laptop.body
    with pytest.raises(Exception):  # noqa: B017 - any failure: the phone cannot read the laptop's push
        phone.decrypt(on_laptop.body)


def test_a_direct_message_is_pushed_in_the_recipients_language_one_notification_per_conversation(
    push_service,
):
    recipient = MemberFactory(preferred_language="fr")
    phone = push_service.device()
    _subscribed(recipient, phone)

    push_message(recipient.pk, 31, "Jan Peeters", "Tu viens demain ? " + "x" * 400, "/messages/31/")
    run_jobs()

    [push] = push_service.pushes_to(phone)
    assert push.payload["title"] == "Jan Peeters vous a envoyé un message"
    assert push.payload["url"] == "/messages/31/"
    assert push.payload["tag"] == "conversation-31"
    # An excerpt, never the whole message: push services take about 4 KB.
    assert push.payload["body"].startswith("Tu viens demain ? xxx") and len(push.payload["body"]) == 300


def test_nothing_is_pushed_for_a_topic_the_member_wants_in_the_digest_or_never(push_service):
    helper = MemberFactory()
    phone = push_service.device()
    _subscribed(helper, phone)
    preference_set(member=helper, topic="help_matches", delivery=Delivery.DIGEST)
    preference_set(member=helper, topic="messages", delivery=Delivery.NEVER)

    _match(helper, MemberFactory())
    push_message(helper.pk, 3, "Jan", "Hallo", "/messages/3/")
    run_jobs()

    assert push_service.requests_to(phone) == []


def test_a_member_with_a_tab_open_sees_it_there_and_gets_no_push(push_service):
    at_desk, away = MemberFactory(), MemberFactory()
    desk_phone, away_phone = push_service.device("desk"), push_service.device("away")
    _subscribed(at_desk, desk_phone)
    _subscribed(away, away_phone)
    # A chat socket open in a live server process: a tab of the site is open.
    ChatProcess.objects.create(name="web-1", seen_at=timezone.now())
    ChatConnection.objects.create(member=at_desk, channel_name="web-1!tab", process="web-1")

    _match(at_desk, MemberFactory())
    _match(away, MemberFactory())
    run_jobs()

    assert push_service.requests_to(desk_phone) == []
    assert len(push_service.pushes_to(away_phone)) == 1


def test_a_tab_of_a_dead_server_process_does_not_count_as_open(push_service):
    helper = MemberFactory()
    phone = push_service.device()
    _subscribed(helper, phone)
    ChatProcess.objects.create(name="gone", seen_at=timezone.now() - datetime.timedelta(minutes=10))
    ChatConnection.objects.create(member=helper, channel_name="gone!tab", process="gone")

    _match(helper, MemberFactory())
    run_jobs()

    assert len(push_service.pushes_to(phone)) == 1


def test_a_notification_read_before_the_job_runs_is_not_pushed(push_service):
    helper = MemberFactory()
    phone = push_service.device()
    _subscribed(helper, phone)

    notification = _match(helper, MemberFactory())
    notification.read_at = timezone.now()
    notification.save(update_fields=["read_at"])
    run_jobs()

    assert push_service.requests_to(phone) == []


# --- what push services answer -----------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_has_forgotten_is_removed(push_service, status):
    helper = MemberFactory()
    old_phone, laptop = push_service.device("old-phone"), push_service.device("laptop")
    _subscribed(helper, old_phone)
    _subscribed(helper, laptop)
    push_service.answer(old_phone, status)

    delivered = push_to_member(helper.pk, {"title": "Hi", "body": "", "url": "/", "tag": "t"})

    assert delivered == 1
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [laptop.endpoint]
    assert PushSubscription.objects.get().last_success is not None


def test_a_failing_push_service_keeps_the_device_logs_and_raises_nothing(push_service, caplog):
    helper = MemberFactory()
    phone = push_service.device()
    _subscribed(helper, phone)
    push_service.answer(phone, 500)

    with caplog.at_level(logging.WARNING, logger="community.notifications.push"):
        delivered = push_to_member(helper.pk, {"title": "Hi", "body": "", "url": "/", "tag": "t"})

    assert delivered == 0
    assert PushSubscription.objects.get().last_success is None
    assert len(push_service.requests_to(phone)) == 1
    assert "500" in caplog.text
    assert phone.endpoint not in caplog.text  # the device's address is its secret


def test_an_unreachable_push_service_keeps_the_device_and_raises_nothing(caplog):
    helper = MemberFactory()
    # A port nobody listens on (the discard port, closed here).
    PushSubscription.objects.create(
        member=helper,
        endpoint="http://127.0.0.1:9/push/nobody",
        p256dh=_valid_p256dh(),
        auth=base64.urlsafe_b64encode(b"0123456789abcdef").rstrip(b"=").decode(),
    )

    with caplog.at_level(logging.WARNING, logger="community.notifications.push"):
        delivered = push_to_member(helper.pk, {"title": "Hi", "body": "", "url": "/", "tag": "t"})

    assert delivered == 0
    assert PushSubscription.objects.count() == 1
    assert "failed" in caplog.text


def test_a_push_service_that_redirects_is_not_followed(push_service):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(307)
            self.send_header("Location", push_service.url + "/push/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        helper = MemberFactory()
        device = push_service.device()
        device.endpoint = f"http://127.0.0.1:{server.server_address[1]}/push/x"
        _subscribed(helper, device)

        delivered = push_to_member(helper.pk, {"title": "Hi", "body": "", "url": "/", "tag": "t"})
    finally:
        server.shutdown()
        server.server_close()

    assert delivered == 0
    assert push_service.received == []


# --- the API --------------------------------------------------------------------------------------


def _client(member) -> Client:
    client = Client(HTTP_USER_AGENT=FIREFOX_ANDROID)
    client.force_login(member)
    return client


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


SUBSCRIPTIONS = "/api/notifications/push/subscriptions"
UNSUBSCRIBE = "/api/notifications/push/unsubscribe"


def _valid_p256dh() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def test_the_api_gives_the_sites_vapid_public_key():
    response = _client(MemberFactory()).get("/api/notifications/push/key")

    assert response.status_code == 200
    key = response.json()["public_key"]
    assert key == settings.VAPID_PUBLIC_KEY
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point, as PushManager wants


def test_a_member_subscribes_a_device_and_subscribing_again_updates_it(push_service):
    member = MemberFactory()
    client = _client(member)
    phone = push_service.device()

    first = _post(client, SUBSCRIPTIONS, phone.to_json())
    renewed = push_service.device()  # the browser renewed its keys, same address
    again = _post(client, SUBSCRIPTIONS, {**phone.to_json(), "keys": renewed.to_json()["keys"]})
    listed = client.get(SUBSCRIPTIONS)

    assert first.status_code == 201
    assert first.json()["label"] == "Firefox on Android"
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    subscription = PushSubscription.objects.get()
    assert (subscription.member, subscription.p256dh) == (member, renewed.p256dh)
    assert [d["id"] for d in listed.json()["results"]] == [subscription.pk]


def test_padded_base64_keys_are_accepted_and_stored_unpadded(push_service):
    phone = push_service.device()
    padded = {"p256dh": phone.p256dh + "=", "auth": phone.auth + "=="}

    response = _post(_client(MemberFactory()), SUBSCRIPTIONS, {"endpoint": phone.endpoint, "keys": padded})

    assert response.status_code == 201
    assert PushSubscription.objects.get().auth == phone.auth


NOT_ON_THE_CURVE = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).rstrip(b"=").decode()
AUTH = base64.urlsafe_b64encode(b"0123456789abcdef").rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"endpoint": "https://push.example.com/x", "keys": {"p256dh": "not base64!", "auth": AUTH}},
            "invalid_keys",
        ),
        (
            {"endpoint": "https://push.example.com/x", "keys": {"p256dh": NOT_ON_THE_CURVE, "auth": AUTH}},
            "invalid_keys",
        ),
        (
            {"endpoint": "https://push.example.com/x", "keys": {"p256dh": "valid", "auth": "c2hvcnQ"}},
            "invalid_keys",
        ),
        ({"endpoint": "https://push.example.com/x", "keys": {"p256dh": AUTH, "auth": AUTH}}, "invalid_keys"),
        (
            {"endpoint": "http://push.example.com/x", "keys": {"p256dh": "valid", "auth": AUTH}},
            "invalid_endpoint",
        ),
        (
            {"endpoint": "ftp://push.example.com/x", "keys": {"p256dh": "valid", "auth": AUTH}},
            "invalid_endpoint",
        ),
        ({"endpoint": "https://10.0.0.5/x", "keys": {"p256dh": "valid", "auth": AUTH}}, "invalid_endpoint"),
        ({"endpoint": "https://127.1/x", "keys": {"p256dh": "valid", "auth": AUTH}}, "invalid_endpoint"),
        ({"endpoint": "https://[::1]/x", "keys": {"p256dh": "valid", "auth": AUTH}}, "invalid_endpoint"),
        ({"endpoint": "https://2130706433/x", "keys": {"p256dh": "valid", "auth": AUTH}}, "invalid_endpoint"),
        ({"endpoint": "https://localhost/x", "keys": {"p256dh": "valid", "auth": AUTH}}, "invalid_endpoint"),
        (
            {"endpoint": "https://me:pw@push.example.com/x", "keys": {"p256dh": "valid", "auth": AUTH}},
            "invalid_endpoint",
        ),
        (
            {"endpoint": "https://push.example.com:port/x", "keys": {"p256dh": "valid", "auth": AUTH}},
            "invalid_endpoint",
        ),
        (
            {"endpoint": "https://push.example.com/" + "x" * 2000, "keys": {"p256dh": "valid", "auth": AUTH}},
            "invalid_endpoint",
        ),
        ({"endpoint": "", "keys": {"p256dh": "valid", "auth": AUTH}}, "invalid_endpoint"),
        ({"keys": {"p256dh": "valid", "auth": AUTH}}, "invalid"),
        ({"endpoint": "https://push.example.com/x"}, "invalid"),
        ({"endpoint": "https://push.example.com/x", "keys": {"p256dh": "valid"}}, "invalid"),
        ({"endpoint": 12, "keys": "none"}, "invalid"),
    ],
    ids=[
        "p256dh-not-base64",
        "p256dh-not-a-curve-point",
        "auth-too-short",
        "p256dh-too-short",
        "http",
        "ftp",
        "private-address",
        "loopback-short-form",
        "ipv6-loopback",
        "loopback-as-a-number",
        "localhost",
        "credentials-in-url",
        "port-not-a-number",
        "too-long",
        "empty-endpoint",
        "no-endpoint",
        "no-keys",
        "no-auth",
        "wrong-types",
    ],
)
def test_a_bad_subscription_is_refused_with_a_json_400(body, code):
    if isinstance(body.get("keys"), dict) and body["keys"].get("p256dh") == "valid":
        body = {**body, "keys": {**body["keys"], "p256dh": _valid_p256dh()}}

    response = _post(_client(MemberFactory()), SUBSCRIPTIONS, body)

    assert response.status_code == 400
    assert set(response.json()) == {"error", "detail"}
    assert response.json()["error"] == code
    assert PushSubscription.objects.count() == 0


def test_a_body_that_is_not_json_is_a_json_400():
    response = _client(MemberFactory()).post(SUBSCRIPTIONS, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"error", "detail"}


@override_settings(PUSH_ALLOW_LOOPBACK_HTTP=False)
def test_a_push_service_on_this_machine_over_http_is_refused_outside_debug_and_tests(push_service):
    response = _post(_client(MemberFactory()), SUBSCRIPTIONS, push_service.device().to_json())

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_endpoint"


def test_someone_elses_device_can_be_neither_taken_nor_removed(push_service):
    alice, bob = MemberFactory(), MemberFactory()
    bobs_phone = push_service.device()
    bobs = _subscribed(bob, bobs_phone)
    alice_client = _client(alice)
    other_keys = push_service.device().to_json()["keys"]

    taken = _post(alice_client, SUBSCRIPTIONS, {"endpoint": bobs_phone.endpoint, "keys": other_keys})
    unsubscribed = _post(alice_client, UNSUBSCRIBE, {"endpoint": bobs_phone.endpoint})
    removed = alice_client.post(reverse("notifications:device_remove", args=[bobs.pk]))
    listed = alice_client.get(SUBSCRIPTIONS)

    assert taken.status_code == 409 and taken.json()["error"] == "device_taken"
    assert unsubscribed.status_code == 404 and unsubscribed.json()["error"] == "not_found"
    assert removed.status_code == 404
    assert listed.json() == {"results": []}
    kept = PushSubscription.objects.get()
    assert (kept.member, kept.p256dh) == (bob, bobs_phone.p256dh)


def test_a_member_unsubscribes_their_device(push_service):
    member = MemberFactory()
    phone = push_service.device()
    _subscribed(member, phone)

    response = _post(_client(member), UNSUBSCRIBE, {"endpoint": phone.endpoint})

    assert response.status_code == 204
    assert PushSubscription.objects.count() == 0


def test_posting_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.force_login(MemberFactory())

    response = client.post(
        UNSUBSCRIBE, {"endpoint": "https://push.example.com/x"}, content_type="application/json"
    )

    assert response.status_code == 403


def test_a_member_keeps_at_most_twenty_devices_the_least_used_goes(push_service):
    member = MemberFactory()
    devices = [push_service.device(f"d{i}") for i in range(PUSH_DEVICES_PER_MEMBER)]
    for device in devices:
        _subscribed(member, device)
    PushSubscription.objects.exclude(endpoint=devices[0].endpoint).update(last_success=timezone.now())

    _subscribed(member, push_service.device("new"))

    assert PushSubscription.objects.filter(member=member).count() == PUSH_DEVICES_PER_MEMBER
    assert not PushSubscription.objects.filter(endpoint=devices[0].endpoint).exists()


# --- the settings page ------------------------------------------------------------------------------


def test_the_settings_page_lists_the_members_devices_and_removes_one(push_service):
    member, other = MemberFactory(), MemberFactory()
    mine = PushSubscription.objects.create(
        member=member,
        endpoint=push_service.device().endpoint,
        p256dh=_valid_p256dh(),
        auth=AUTH,
        user_agent=FIREFOX_ANDROID,
    )
    PushSubscription.objects.create(
        member=other,
        endpoint=push_service.device().endpoint,
        p256dh=_valid_p256dh(),
        auth=AUTH,
        user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    )
    client = _client(member)

    page = client.get(reverse("notifications:preferences"))
    removed = client.post(reverse("notifications:device_remove", args=[mine.pk]))
    after = client.get(reverse("notifications:preferences"))

    html = page.content.decode()
    assert "Firefox on Android" in html and "Chrome on Windows" not in html
    assert "Allow notifications on this device" in html
    assert page.context["push_config"]["publicKey"] == settings.VAPID_PUBLIC_KEY
    assert 'id="push-config"' in html and "notifications/push-settings.js" in html
    assert removed.status_code == 302
    assert "Firefox on Android" not in after.content.decode()
    assert PushSubscription.objects.filter(member=other).exists()


def test_the_settings_page_speaks_the_members_language():
    member = MemberFactory(preferred_language="nl")

    html = _client(member).get(reverse("notifications:preferences")).content.decode()

    assert "Meldingen op je apparaten" in html
    assert "Meldingen toestaan op dit apparaat" in html


def test_a_direct_message_sent_through_the_chat_is_pushed_once_per_burst_to_a_member_away(push_service):
    from messaging import services as chat

    marc, lieve, anne = (
        MemberFactory(display_name="Marc Dupont"),
        MemberFactory(preferred_language="nl"),
        MemberFactory(),
    )
    away_phone, desk_phone = push_service.device("lieve"), push_service.device("anne")
    _subscribed(lieve, away_phone)
    _subscribed(anne, desk_phone)
    ChatProcess.objects.create(name="web-1", seen_at=timezone.now())
    ChatConnection.objects.create(member=anne, channel_name="web-1!anne", process="web-1")  # at her desk
    to_lieve = chat.conversation_direct_get_or_create(member=marc, other=lieve)
    to_anne = chat.conversation_direct_get_or_create(member=marc, other=anne)

    for n, body in enumerate(["Dag Lieve!", "Heb je even?", "Het gaat over een vertaling."]):
        chat.message_send(sender=marc, conversation=to_lieve, body=body, client_id=f"l-{n}")
    chat.message_send(sender=marc, conversation=to_anne, body="Salut Anne", client_id="a-0")
    run_jobs()

    [push] = push_service.pushes_to(away_phone)
    assert push.payload["title"] == "Marc Dupont heeft je een bericht gestuurd"
    assert push.payload["body"] == "Dag Lieve!"
    assert push.payload["url"] == to_lieve.get_absolute_url()
    assert push_service.requests_to(desk_phone) == []
