import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from community.network import services
from community.network.models import RSVP, Event
from community.notifications.models import Notification
from tests.community.conftest import run_at_once
from tests.factories import MemberFactory, SpaceFactory
from tests.fixtures.jobs import run_jobs


def make_event(*, space=None, capacity=None, days=7, hours=2, title="Apéro des coworkers", **extra) -> Event:
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    return Event.objects.create(
        space=space,
        title=title,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=hours),
        capacity=capacity,
        **extra,
    )


def statuses(event) -> dict[str, str]:
    return dict(RSVP.objects.filter(event=event).values_list("member__username", "status"))


# RSVPs and the waiting list -----------------------------------------------------------------


@pytest.mark.django_db
def test_members_get_seats_until_full_then_join_the_waiting_list(space):
    event = make_event(space=space, capacity=2)
    people = [MemberFactory(username=name) for name in ("ann", "bert", "chloe")]

    answers = [services.rsvp_going(event=event, member=person) for person in people]

    assert [a.status for a in answers] == ["going", "going", "waiting"]


@pytest.mark.django_db
def test_saying_yes_twice_keeps_the_seat(space, member):
    event = make_event(space=space, capacity=1)

    first = services.rsvp_going(event=event, member=member)
    again = services.rsvp_going(event=event, member=member)

    assert first.pk == again.pk
    assert RSVP.objects.filter(event=event, status="going").count() == 1


@pytest.mark.django_db
def test_a_cancelled_seat_goes_to_the_first_on_the_waiting_list_who_is_emailed(
    space, django_capture_on_commit_callbacks
):
    event = make_event(space=space, capacity=1)
    ann, bert, chloe = (MemberFactory(username=name) for name in ("ann", "bert", "chloe"))
    for person in (ann, bert, chloe):
        services.rsvp_going(event=event, member=person)

    with django_capture_on_commit_callbacks(execute=True):
        services.rsvp_cancel(event=event, member=ann)
    run_jobs()

    assert statuses(event) == {"ann": "cancelled", "bert": "going", "chloe": "waiting"}
    assert [n.kind for n in Notification.objects.filter(recipient=bert)] == ["event_place"]
    assert [m.to for m in mail.outbox] == [[bert.email]]
    assert event.title in mail.outbox[0].subject


@pytest.mark.django_db
def test_leaving_the_waiting_list_frees_no_seat_and_keeps_the_order(space):
    event = make_event(space=space, capacity=1)
    ann, bert, chloe, dirk = (MemberFactory(username=n) for n in ("ann", "bert", "chloe", "dirk"))
    for person in (ann, bert, chloe, dirk):
        services.rsvp_going(event=event, member=person)

    services.rsvp_cancel(event=event, member=chloe)
    services.rsvp_cancel(event=event, member=ann)

    assert statuses(event) == {"ann": "cancelled", "bert": "going", "chloe": "cancelled", "dirk": "waiting"}


@pytest.mark.django_db
def test_coming_back_after_cancelling_goes_to_the_end_of_the_queue(space):
    event = make_event(space=space, capacity=1)
    ann, bert, chloe = (MemberFactory(username=n) for n in ("ann", "bert", "chloe"))
    now = timezone.now()
    services.rsvp_going(event=event, member=ann, now=now)
    services.rsvp_going(event=event, member=bert, now=now + dt.timedelta(seconds=1))
    services.rsvp_cancel(event=event, member=bert)
    services.rsvp_going(event=event, member=chloe, now=now + dt.timedelta(seconds=2))
    services.rsvp_going(event=event, member=bert, now=now + dt.timedelta(seconds=3))

    services.rsvp_cancel(event=event, member=ann)

    assert statuses(event) == {"ann": "cancelled", "bert": "waiting", "chloe": "going"}


@pytest.mark.django_db
def test_a_larger_capacity_lets_the_waiting_list_in(space):
    event = make_event(space=space, capacity=1)
    for name in ("ann", "bert", "chloe"):
        services.rsvp_going(event=event, member=MemberFactory(username=name))
    event.capacity = 2
    event.save()

    promoted = services.event_fill_free_seats(event=event)

    assert [r.member.username for r in promoted] == ["bert"]
    assert statuses(event) == {"ann": "going", "bert": "going", "chloe": "waiting"}


@pytest.mark.django_db
def test_no_rsvp_to_an_event_that_is_over(space, member):
    event = make_event(space=space, days=-2)

    with pytest.raises(ValidationError) as refused:
        services.rsvp_going(event=event, member=member)

    assert refused.value.code == "event_over"


@pytest.mark.django_db(transaction=True)
def test_capacity_holds_when_many_members_say_yes_at_once():
    event = make_event(space=SpaceFactory(), capacity=3)
    people = [MemberFactory(username=f"racer{n}") for n in range(8)]

    results = run_at_once([lambda p=p: services.rsvp_going(event=event, member=p) for p in people])

    assert all(isinstance(r, RSVP) for r in results), results
    assert RSVP.objects.filter(event=event, status="going").count() == 3
    assert RSVP.objects.filter(event=event, status="waiting").count() == 5


@pytest.mark.django_db(transaction=True)
def test_seats_freed_at_once_go_to_the_waiting_list_in_order():
    event = make_event(space=SpaceFactory(), capacity=3)
    people = [MemberFactory(username=f"m{n}") for n in range(7)]
    start = timezone.now()
    for n, person in enumerate(people):
        services.rsvp_going(event=event, member=person, now=start + dt.timedelta(seconds=n))

    results = run_at_once([lambda p=p: services.rsvp_cancel(event=event, member=p) for p in people[:3]])

    assert all(isinstance(r, RSVP) for r in results), results
    assert sorted(
        RSVP.objects.filter(event=event, status="going").values_list("member__username", flat=True)
    ) == [
        "m3",
        "m4",
        "m5",
    ]
    assert list(
        RSVP.objects.filter(event=event, status="waiting").values_list("member__username", flat=True)
    ) == ["m6"]


# Pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_member_says_yes_and_cancels_on_the_event_page(member_client, member, space):
    event = make_event(space=space, capacity=10)
    url = reverse("community:event_rsvp", kwargs={"pk": event.pk})

    going = member_client.post(url, {"action": "going"})
    page = member_client.get(event.get_absolute_url())
    cancelled = member_client.post(url, {"action": "cancel"})

    assert going.status_code == cancelled.status_code == 302
    assert "You are going." in page.content.decode()
    assert RSVP.objects.get(event=event, member=member).status == "cancelled"


@pytest.mark.django_db
def test_the_event_page_shows_the_waiting_list_position(client, space):
    event = make_event(space=space, capacity=1)
    services.rsvp_going(event=event, member=MemberFactory())
    services.rsvp_going(event=event, member=MemberFactory())
    waiting = MemberFactory()
    services.rsvp_going(event=event, member=waiting)
    client.force_login(waiting)

    page = client.get(event.get_absolute_url()).content.decode()

    assert "number 2 on the waiting list" in page


@pytest.mark.django_db
def test_rsvp_needs_a_logged_in_member_and_a_post(client, member_client, space):
    event = make_event(space=space)
    url = reverse("community:event_rsvp", kwargs={"pk": event.pk})

    anonymous = client.post(url, {"action": "going"})
    by_get = member_client.get(url)
    unknown_action = member_client.post(url, {"action": "perhaps"})
    missing_event = member_client.post(
        reverse("community:event_rsvp", kwargs={"pk": 999999}), {"action": "going"}
    )

    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert by_get.status_code == 405
    assert unknown_action.status_code == 400
    assert missing_event.status_code == 404
    assert not RSVP.objects.exists()


@pytest.mark.django_db
def test_rsvp_to_a_past_event_shows_a_message_not_an_error(member_client, space):
    event = make_event(space=space, days=-3)

    response = member_client.post(
        reverse("community:event_rsvp", kwargs={"pk": event.pk}), {"action": "going"}, follow=True
    )

    assert response.status_code == 200
    assert "This event is over." in response.content.decode()
    assert not RSVP.objects.exists()


@pytest.mark.django_db
def test_event_list_shows_upcoming_events_of_spaces_and_network(client, space):
    make_event(space=space, title="Atelier : facturer sans stress")
    make_event(title="Coworking Week")
    make_event(space=space, title="Old apéro", days=-10)

    page = client.get(reverse("community:event_list")).content.decode()
    network_only = client.get(reverse("community:event_list"), {"scope": "network"}).content.decode()

    assert "Atelier : facturer sans stress" in page and "Coworking Week" in page
    assert "Old apéro" not in page
    assert "Coworking Week" in network_only and "facturer" not in network_only


@pytest.mark.django_db
def test_event_detail_of_a_missing_event_is_a_404(client):
    assert client.get(reverse("community:event_detail", kwargs={"pk": 424242})).status_code == 404


@pytest.mark.django_db
def test_attendees_respect_profile_visibility(client, space):
    event = make_event(space=space)
    for name, visibility in (("pub", "public"), ("mem", "members"), ("hid", "hidden")):
        services.rsvp_going(
            event=event,
            member=MemberFactory(username=name, display_name=f"Person {name}", visibility=visibility),
        )

    anonymous = client.get(event.get_absolute_url()).context["attendees"]
    client.force_login(MemberFactory())
    member = client.get(event.get_absolute_url()).context["attendees"]

    assert [m.username for m in anonymous] == ["pub"]
    assert [m.username for m in member] == ["pub", "mem"]


# Managers create events ----------------------------------------------------------------------


def event_form(**changes) -> dict:
    starts = (timezone.localtime() + dt.timedelta(days=5)).replace(hour=18, minute=0, second=0, microsecond=0)
    return {
        "title": "Apéro de rentrée",
        "description": "Un verre entre coworkers.",
        "place": "",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "30",
        **changes,
    }


@pytest.mark.django_db
def test_manager_creates_an_event_for_their_space(manager_client, space):
    response = manager_client.post(
        reverse("community:event_create", kwargs={"slug": space.slug}), event_form()
    )

    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == event.get_absolute_url()
    assert (event.space, event.title, event.capacity) == (space, "Apéro de rentrée", 30)
    assert timezone.localtime(event.starts_at).hour == 18


@pytest.mark.django_db
def test_an_event_cannot_end_before_it_starts(manager_client, space):
    form = event_form()
    form["ends_at"], form["starts_at"] = form["starts_at"], form["ends_at"]

    response = manager_client.post(reverse("community:event_create", kwargs={"slug": space.slug}), form)

    assert response.status_code == 400
    assert "ends_at" in response.context["form"].errors
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_only_managers_create_events_of_a_space(member_client, member, space):
    response = member_client.post(
        reverse("community:event_create", kwargs={"slug": space.slug}), event_form()
    )

    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.event_create(
            by=member, space=None, title="Network party", starts_at=timezone.now(), ends_at=timezone.now()
        )
    assert not Event.objects.exists()


# iCalendar -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_to_calendar_downloads_a_valid_icalendar_file(client):
    space = SpaceFactory(
        name="Hub Porte de Namur",
        address="Rue de la Paix 24, 1050 Ixelles",
        latitude=50.8372,
        longitude=4.3648,
    )
    event = make_event(
        space=space, title="Apéro des coworkers", description="Un verre, des chips, des voisins."
    )

    response = client.get(reverse("community:event_ics", kwargs={"pk": event.pk}))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Apéro des coworkers"
    assert vevent.decoded("DTSTART") == event.starts_at
    assert vevent.decoded("DTEND") == event.ends_at
    assert "Rue de la Paix 24" in str(vevent["LOCATION"])
    assert str(vevent["UID"]) == f"event-{event.pk}@coworking-belgium"
    assert str(vevent["URL"]).endswith(event.get_absolute_url())
    assert "Un verre" in str(vevent["DESCRIPTION"])
    assert str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar


@pytest.mark.django_db
def test_the_feed_lists_upcoming_events_and_filters_by_space(client):
    hub, forge = SpaceFactory(name="Hub"), SpaceFactory(name="Forge")
    make_event(space=hub, title="Hub apéro")
    make_event(space=forge, title="Forge workshop")
    make_event(title="Coworking Week")
    make_event(space=hub, title="Long gone", days=-60)

    everything = icalendar.Calendar.from_ical(client.get(reverse("community:events_feed")).content)
    hub_only = icalendar.Calendar.from_ical(
        client.get(reverse("community:events_feed"), {"space": hub.slug}).content
    )

    assert sorted(str(e["SUMMARY"]) for e in everything.walk("VEVENT")) == [
        "Coworking Week",
        "Forge workshop",
        "Hub apéro",
    ]
    assert sorted(str(e["SUMMARY"]) for e in hub_only.walk("VEVENT")) == ["Coworking Week", "Hub apéro"]
    assert len({str(e["UID"]) for e in everything.walk("VEVENT")}) == 3


@pytest.mark.django_db
def test_the_feed_of_an_unknown_space_is_a_404(client):
    assert client.get(reverse("community:events_feed"), {"space": "nowhere"}).status_code == 404


@pytest.mark.django_db
def test_a_multi_day_event_keeps_its_days_in_the_calendar(client):
    event = make_event(title="Coworking Europe", hours=32)

    calendar = icalendar.Calendar.from_ical(
        client.get(reverse("community:event_ics", kwargs={"pk": event.pk})).content
    )

    (vevent,) = calendar.walk("VEVENT")
    assert vevent.decoded("DTEND") - vevent.decoded("DTSTART") == dt.timedelta(hours=32)


# Line breaks and control characters ------------------------------------------------------------

CONTROL_TEXTS = [
    "Apéro\nde rentrée",
    "Apéro\r\nde rentrée",
    "Apéro\rde rentrée",
    "Apéro\x00",
    "Apé\x1bro",
    "Apéro\u2028bis",
]


@pytest.mark.django_db
@pytest.mark.parametrize("text", CONTROL_TEXTS)
@pytest.mark.parametrize("field", ["title", "place"])
def test_an_event_title_or_place_on_several_lines_is_a_form_error(manager_client, space, field, text):
    response = manager_client.post(
        reverse("community:event_create", kwargs={"slug": space.slug}), event_form(**{field: text})
    )

    assert response.status_code == 400
    # (a NUL is also refused by Django's own check)
    assert "single_line" in [e.code for e in response.context["form"].errors.as_data()[field]]
    assert "Keep this on one line" in response.content.decode()
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_the_event_service_refuses_a_title_on_several_lines(manager, space):
    with pytest.raises(ValidationError) as refused:
        services.event_create(
            by=manager, space=space, title="One\ntwo", starts_at=timezone.now(), ends_at=timezone.now()
        )

    assert refused.value.error_dict["title"][0].code == "single_line"


@pytest.mark.django_db
def test_the_admin_refuses_an_event_title_on_several_lines(staff_client):
    staff_client.force_login(MemberFactory(username="root", is_staff=True, is_superuser=True))
    starts = timezone.localtime() + dt.timedelta(days=3)
    response = staff_client.post(
        reverse("admin:community_event_add"),
        {
            "title": "One\ntwo",
            "language": "en",
            "starts_at_0": starts.strftime("%Y-%m-%d"),
            "starts_at_1": "18:00:00",
            "ends_at_0": starts.strftime("%Y-%m-%d"),
            "ends_at_1": "20:00:00",
        },
    )

    assert response.status_code == 200
    assert "title" in response.context["adminform"].form.errors
    assert not Event.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("text", CONTROL_TEXTS)
def test_an_event_stored_with_control_characters_still_downloads_as_icalendar(client, text):
    # Stored before the forms refused them, or written by a script: the file is cleaned, not a 500.
    if "\x00" in text and connection.vendor == "postgresql":
        pytest.skip("PostgreSQL text cannot hold NUL: no such row can exist there")
    event = make_event(title=text, place=f"Rue {text}", description=f"Line one\r\n{text}\x07 end")

    single = client.get(reverse("community:event_ics", kwargs={"pk": event.pk}))
    feed = client.get(reverse("community:events_feed"))

    assert single.status_code == 200 and feed.status_code == 200
    for body in (single.content, feed.content):
        assert all(line.isprintable() for line in body.decode().split("\r\n"))
        (vevent,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
        assert "\n" not in str(vevent["SUMMARY"]) and str(vevent["SUMMARY"]).startswith("Apé")
        assert "\n" not in str(vevent["LOCATION"]) and str(vevent["LOCATION"]).startswith("Rue Apé")
        assert str(vevent["DESCRIPTION"]).startswith("Line one\n")
        assert "\x07" not in str(vevent["DESCRIPTION"]) and "\r" not in str(vevent["DESCRIPTION"])
