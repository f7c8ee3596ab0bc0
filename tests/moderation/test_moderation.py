"""Reports, the moderation queue and each action's effect, through the real pages, API and services."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.moderation import services
from community.moderation.models import Action, Kind, ModerationAction, Report
from community.notifications.models import Notification
from messaging import services as messaging_services
from messaging.models import Message
from profiles.models import Member
from search.tasks import scheduling_flush
from tests.factories import DEFAULT_PASSWORD, MemberFactory, SpaceFactory
from tests.fixtures.jobs import run_jobs

pytestmark = pytest.mark.django_db

REPORT_API = "/api/moderation/reports"


def _index_jobs() -> None:
    """What the worker would do by now: the search index jobs scheduled after the commits."""
    scheduling_flush()
    run_jobs(at=timezone.now() + dt.timedelta(seconds=5))


def _found_members(client: Client, query: str) -> list[str]:
    return [r["username"] for r in client.get("/api/search/members", {"q": query}).json()["results"]]


def _client(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _post_json(client: Client, url: str, data) -> tuple[int, dict]:
    response = client.post(url, data=json.dumps(data), content_type="application/json")
    return response.status_code, response.json()


def _report(reporter, kind, object_id, reason="spam", note="") -> Report:
    return services.report_create(reporter=reporter, kind=kind, object_id=object_id, reason=reason, note=note)


# --- reporting ------------------------------------------------------------------------------


def test_a_member_reports_a_message_through_the_json_api(alice, troll, message):
    status, body = _post_json(
        _client(alice),
        REPORT_API,
        {"kind": "message", "object_id": message.pk, "reason": "spam", "note": "ads"},
    )

    assert status == 201
    assert body["kind"] == "message" and body["state"] == "open"
    report = Report.objects.get()
    assert (report.reporter, report.author, report.reason, report.note) == (alice, troll, "spam", "ads")
    assert "cheap pills" in report.excerpt


def test_reporting_again_updates_the_one_report(alice, message):
    client = _client(alice)
    _post_json(client, REPORT_API, {"kind": "message", "object_id": message.pk, "reason": "spam"})
    status, body = _post_json(
        client,
        REPORT_API,
        {"kind": "message", "object_id": message.pk, "reason": "harassment", "note": "again"},
    )

    assert status == 201
    assert Report.objects.count() == 1
    assert (Report.objects.get().reason, Report.objects.get().note) == ("harassment", "again")


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"kind": "message", "object_id": 1, "reason": "because"}, 400, "invalid_reason"),
        ({"kind": "planet", "object_id": 1, "reason": "spam"}, 400, "invalid_kind"),
        ({"kind": "message", "object_id": 10**30, "reason": "spam"}, 404, "not_found"),
        ({"kind": "message", "object_id": "x", "reason": "spam"}, 400, "invalid"),
        ({"kind": "message", "object_id": 999999, "reason": "spam"}, 404, "not_found"),
        ({"kind": "message", "reason": "spam"}, 400, "invalid"),
        ({"kind": "message", "object_id": 1, "reason": "spam", "note": "x" * 2001}, 400, "invalid"),
    ],
)
def test_bad_reports_are_4xx_json(alice, message, payload, status, code):
    answer_status, body = _post_json(_client(alice), REPORT_API, payload)

    assert (answer_status, body["error"]) == (status, code)
    assert not Report.objects.exists()


def test_a_message_of_a_conversation_one_is_not_in_cannot_be_reported(message):
    outsider = MemberFactory(username="outsider")

    status, body = _post_json(
        _client(outsider), REPORT_API, {"kind": "message", "object_id": message.pk, "reason": "spam"}
    )

    assert (status, body["error"]) == (404, "not_found")


def test_ones_own_message_cannot_be_reported(troll, message):
    status, body = _post_json(
        _client(troll), REPORT_API, {"kind": "message", "object_id": message.pk, "reason": "spam"}
    )

    assert (status, body["error"]) == (400, "own_content")


def test_reporting_needs_a_logged_in_member(message):
    response = Client().post(
        REPORT_API,
        data=json.dumps({"kind": "message", "object_id": message.pk, "reason": "spam"}),
        content_type="application/json",
    )

    assert response.status_code == 401


@pytest.mark.parametrize("kind", ["profile", "help_request", "event"])
def test_a_member_reports_a_profile_a_help_request_or_an_event_from_its_page(
    alice, troll, help_request, event, kind
):
    object_id = {"profile": troll.pk, "help_request": help_request.pk, "event": event.pk}[kind]
    page = {
        "profile": reverse("profiles:detail", args=[troll.username]),
        "help_request": reverse("help:detail", args=[help_request.pk]),
        "event": reverse("community:event_detail", args=[event.pk]),
    }[kind]
    client = _client(alice)
    report_url = reverse("moderation:report_item", args=[kind, object_id])

    assert report_url in client.get(page).content.decode()
    form = client.get(report_url)
    response = client.post(report_url, {"reason": "inappropriate", "note": "not for us", "next": page})

    assert form.status_code == 200
    assert response.status_code == 302 and response["Location"] == page
    report = Report.objects.get()
    assert (report.kind, report.object_id, report.author, report.reason) == (
        kind,
        object_id,
        troll,
        "inappropriate",
    )


def test_the_report_form_without_a_reason_is_a_form_error(alice, troll):
    response = _client(alice).post(
        reverse("moderation:report_item", args=["profile", troll.pk]), {"note": "?"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert not Report.objects.exists()


def test_no_report_link_on_ones_own_profile(troll):
    page = _client(troll).get(reverse("profiles:detail", args=[troll.username])).content.decode()

    assert reverse("moderation:report_item", args=["profile", troll.pk]) not in page


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_filters_by_state_kind_and_assignee(alice, troll, staff, message, event, help_request):
    on_message = _report(alice, Kind.MESSAGE, message.pk)
    on_event = _report(alice, Kind.EVENT, event.pk)
    on_request = _report(alice, Kind.HELP_REQUEST, help_request.pk)
    services.report_assign(report=on_event, moderator=staff)
    services.report_resolve(report=on_request, moderator=staff, action=Action.DISMISS)
    client = _client(staff)

    def listed(**query) -> set[int]:
        response = client.get(reverse("moderation:queue"), query)
        assert response.status_code == 200
        return {report.pk for report in response.context["reports"]}

    assert listed() == {on_message.pk, on_event.pk}  # open ones by default
    assert listed(state="resolved") == {on_request.pk}
    assert listed(state="", kind="event") == {on_event.pk}
    assert listed(state="open", assignee="me") == {on_event.pk}
    assert listed(state="open", assignee="none") == {on_message.pk}
    assert listed(state="bogus") == {on_message.pk, on_event.pk}  # a bad filter falls back, no 500


def test_non_moderators_get_403_on_the_queue_and_404_on_reports(alice, troll, message):
    report = _report(alice, Kind.MESSAGE, message.pk)
    client = _client(troll)

    assert client.get(reverse("moderation:queue")).status_code == 403
    assert client.get(reverse("moderation:report", args=[report.pk])).status_code == 403
    response = client.post(reverse("moderation:report_resolve", args=[report.pk]), {"action": "dismiss"})
    assert response.status_code == 403
    assert client.post(reverse("moderation:report_assign", args=[report.pk])).status_code == 403
    assert Client().get(reverse("moderation:queue")).status_code == 302  # to the login page
    assert Report.objects.get().state == Report.State.OPEN
    assert not ModerationAction.objects.exists()


def test_a_space_manager_moderates_reports_about_their_spaces_members_only(alice, troll, space, message):
    manager = MemberFactory(username="manager")
    space.managers.add(manager)
    elsewhere = MemberFactory(username="elsewhere", home_space=SpaceFactory(name="Gent Hub", slug="gent-hub"))
    conversation = message.conversation
    other = _report(troll, Kind.PROFILE, elsewhere.pk)
    ours = _report(alice, Kind.MESSAGE, message.pk)
    client = _client(manager)

    response = client.get(reverse("moderation:queue"))

    assert [r.pk for r in response.context["reports"]] == [ours.pk]
    assert client.get(reverse("moderation:report", args=[other.pk])).status_code == 404
    assert client.get(reverse("moderation:report", args=[ours.pk])).status_code == 200
    assert conversation.pk


def test_assigning_and_resolving_through_the_pages_writes_the_audit_trail(alice, troll, staff, message):
    report = _report(alice, Kind.MESSAGE, message.pk)
    client = _client(staff)

    client.post(reverse("moderation:report_assign", args=[report.pk]))
    response = client.post(
        reverse("moderation:report_resolve", args=[report.pk]), {"action": "dismiss", "note": "just a joke"}
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.assignee, report.state, report.resolution) == (staff, "resolved", "dismiss")
    trail = list(ModerationAction.objects.order_by("id").values_list("actor__username", "action", "note"))
    assert trail == [("mod", "assign", ""), ("mod", "dismiss", "just a joke")]
    page = client.get(reverse("moderation:report", args=[report.pk])).content.decode()
    assert "just a joke" in page


@pytest.mark.parametrize(
    ("data", "field"),
    [({"action": "explode"}, "action"), ({"action": "suspend"}, "until"), ({}, "action")],
)
def test_bad_resolutions_are_form_errors(alice, staff, message, data, field):
    report = _report(alice, Kind.MESSAGE, message.pk)

    response = _client(staff).post(reverse("moderation:report_resolve", args=[report.pk]), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert Report.objects.get().state == Report.State.OPEN


def test_a_suspension_in_the_past_is_refused(alice, staff, troll):
    report = _report(alice, Kind.PROFILE, troll.pk)

    response = _client(staff).post(
        reverse("moderation:report_resolve", args=[report.pk]),
        {"action": "suspend", "until": "2001-01-01T10:00"},
    )

    assert response.status_code == 400
    assert "future" in str(response.context["form"].non_field_errors())
    troll.refresh_from_db()
    assert troll.suspended_until is None


def test_resolving_closes_every_open_report_of_the_item(alice, staff, troll):
    bob = MemberFactory(username="bob")
    first, second = _report(alice, Kind.PROFILE, troll.pk), _report(bob, Kind.PROFILE, troll.pk)

    services.report_resolve(report=first, moderator=staff, action=Action.DISMISS)

    second.refresh_from_db()
    assert (second.state, second.resolution) == ("resolved", "dismiss")


def test_the_admin_shows_the_trail_read_only(alice, staff, troll):
    staff.is_superuser = True
    staff.save()
    services.report_resolve(
        report=_report(alice, Kind.PROFILE, troll.pk), moderator=staff, action=Action.WARN
    )
    action = ModerationAction.objects.get()
    client = _client(staff)

    listing = client.get("/admin/moderation/moderationaction/")
    detail = client.get(f"/admin/moderation/moderationaction/{action.pk}/change/")
    deleted = client.post(f"/admin/moderation/moderationaction/{action.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200 and "troll" in listing.content.decode().lower()
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert deleted.status_code == 403
    assert ModerationAction.objects.count() == 1


# --- each action's effect -------------------------------------------------------------------


def test_hiding_a_message_shows_it_as_removed_and_search_forgets_it(
    alice, troll, staff, conversation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = messaging_services.message_send(
            sender=troll, conversation=conversation, body="Buy cheap pills at spam.example", client_id="s"
        )
    _index_jobs()
    assert _client(alice).get("/api/messages/search", {"q": "pills"}).json()["count"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.report_resolve(
            report=_report(alice, Kind.MESSAGE, message.pk), moderator=staff, action=Action.HIDE
        )

    _index_jobs()
    message.refresh_from_db()
    assert message.is_deleted and message.body == ""
    page = (
        _client(alice).get(reverse("messaging:conversation", args=[message.conversation_id])).content.decode()
    )
    assert "cheap pills" not in page
    assert _client(alice).get("/api/messages/search", {"q": "pills"}).json()["count"] == 0
    assert Message.objects.filter(body__icontains="pills").count() == 0


def test_hiding_a_profile_takes_it_out_of_the_directory_search_and_its_page(
    alice, troll, staff, django_capture_on_commit_callbacks
):
    client = _client(alice)
    with django_capture_on_commit_callbacks(execute=True):
        troll.save()  # indexed, as after any profile edit
    _index_jobs()
    assert troll.username in client.get(reverse("profiles:directory")).content.decode()
    assert troll.username in _found_members(client, "Trevor")

    with django_capture_on_commit_callbacks(execute=True):
        services.report_resolve(
            report=_report(alice, Kind.PROFILE, troll.pk), moderator=staff, action=Action.HIDE
        )

    assert troll.username not in client.get(reverse("profiles:directory")).content.decode()
    assert client.get(reverse("profiles:detail", args=[troll.username])).status_code == 404
    assert _client(staff).get(reverse("profiles:detail", args=[troll.username])).status_code == 200
    _index_jobs()
    assert troll.username not in _found_members(client, "Trevor")


def test_hiding_a_help_request_takes_it_off_the_board_and_its_page(alice, staff, help_request):
    client = _client(alice)
    assert help_request.title in client.get(reverse("help:board")).content.decode()

    services.report_resolve(
        report=_report(alice, Kind.HELP_REQUEST, help_request.pk), moderator=staff, action=Action.HIDE
    )

    assert help_request.title not in client.get(reverse("help:board")).content.decode()
    assert client.get(reverse("help:detail", args=[help_request.pk])).status_code == 404
    assert _client(staff).get(reverse("help:detail", args=[help_request.pk])).status_code == 200


def test_hiding_an_event_takes_it_out_of_the_list_its_page_and_the_feed(alice, staff, event):
    client = _client(alice)
    assert event.title in client.get(reverse("community:event_list")).content.decode()

    services.report_resolve(report=_report(alice, Kind.EVENT, event.pk), moderator=staff, action=Action.HIDE)

    assert event.title not in client.get(reverse("community:event_list")).content.decode()
    assert client.get(reverse("community:event_detail", args=[event.pk])).status_code == 404
    assert client.get(reverse("community:event_ics", args=[event.pk])).status_code == 404
    assert event.title not in client.get(reverse("community:events_feed")).content.decode()
    assert _client(staff).get(reverse("community:event_detail", args=[event.pk])).status_code == 200


def test_a_warning_notifies_the_author_with_the_note(alice, troll, staff, message):
    services.report_resolve(
        report=_report(alice, Kind.MESSAGE, message.pk),
        moderator=staff,
        action=Action.WARN,
        note="No ads here.",
    )

    notification = Notification.objects.get(recipient=troll)
    assert notification.kind == "moderation_warning"
    page = _client(troll).get(reverse("messaging:notifications")).content.decode()
    assert "No ads here." in page
    assert not Notification.objects.filter(recipient=alice).exists()


def _log_in(username: str) -> tuple[int, str]:
    response = Client().post(reverse("login"), {"username": username, "password": DEFAULT_PASSWORD})
    return response.status_code, response.content.decode()


@time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC), tick=False)
def test_a_suspended_member_is_refused_at_login_with_the_reason_until_the_time_passes(alice, troll, staff):
    client = _client(troll)
    until = timezone.now() + dt.timedelta(days=3)

    services.report_resolve(
        report=_report(alice, Kind.PROFILE, troll.pk), moderator=staff, action=Action.SUSPEND, until=until
    )

    status, page = _log_in("troll")
    assert status == 200 and "suspended by the moderators until" in page
    assert client.get(reverse("profiles:edit")).status_code == 302  # the open session ended too
    wrong = Client().post(reverse("login"), {"username": "troll", "password": "wrong"}).content.decode()
    assert "suspended" not in wrong  # only the one who knows the password learns why
    entry = ModerationAction.objects.get()
    assert (entry.action, entry.until, entry.target) == ("suspend", until, troll)

    with time_machine.travel(until + dt.timedelta(minutes=1), tick=False):
        status, _page = _log_in("troll")
        assert status == 302


def test_a_banned_member_is_refused_at_login_for_good(alice, troll, staff):
    services.report_resolve(report=_report(alice, Kind.PROFILE, troll.pk), moderator=staff, action=Action.BAN)

    status, page = _log_in("troll")

    assert status == 200 and "banned by the moderators" in page
    assert Member.objects.get(pk=troll.pk).banned
    with time_machine.travel(timezone.now() + dt.timedelta(days=3650)):
        assert "banned" in _log_in("troll")[1]


# --- personal data --------------------------------------------------------------------------


def test_the_export_lists_my_reports_and_deleting_my_account_erases_reports_by_and_about_me(
    alice, troll, staff, message
):
    from community.core.personal_data import personal_data_export

    _report(alice, Kind.MESSAGE, message.pk, note="ads again")
    _report(troll, Kind.PROFILE, alice.pk, note="she reported me")
    services.report_resolve(report=Report.objects.get(reporter=troll), moderator=staff, action=Action.DISMISS)

    exported = personal_data_export(alice)["reports"]
    response = _client(troll).post("/accounts/delete/", {"password": DEFAULT_PASSWORD})

    assert [r["note"] for r in exported] == ["ads again"]
    assert response.status_code == 302
    assert not Report.objects.filter(excerpt__icontains="pills").exists()
    assert not Report.objects.filter(note="she reported me").exists()
    assert ModerationAction.objects.get().report is None  # the trail keeps the act, not the report
