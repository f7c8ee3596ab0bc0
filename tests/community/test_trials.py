import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from community.network import services
from community.network.models import TrialRequest
from tests.community.conftest import next_weekday, run_at_once
from tests.factories import MemberFactory, SpaceFactory
from tests.fixtures.jobs import run_jobs


def trial_data(**changes) -> dict:
    return {
        "name": "Sophie Lambert",
        "email": "sophie@example.org",
        "date": next_weekday(0).isoformat(),
        "message": "Graphiste, je travaille seule chez moi.",
        **changes,
    }


@pytest.mark.clock("before-midnight")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_never_exceed_the_daily_capacity():
    space = SpaceFactory(trial_capacity=2)
    monday = next_weekday(0)

    def ask(n: int):
        return lambda: services.trial_request_create(
            space=space, name=f"Visitor {n}", email=f"v{n}@example.org", date=monday, ip=f"10.0.0.{n}"
        )

    results = run_at_once([ask(n) for n in range(6)])

    created = [r for r in results if isinstance(r, TrialRequest)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(created) == 2
    assert len(refused) == 4, results
    assert all(error.error_dict["date"][0].code == "full" for error in refused)
    assert TrialRequest.objects.filter(space=space, date=monday).count() == 2


def trial_url(space) -> str:
    return reverse("community:trial_request", kwargs={"slug": space.slug})


@pytest.mark.clock
@pytest.mark.django_db
def test_visitor_without_account_asks_for_a_trial_day_and_is_emailed(
    client, space, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(trial_url(space), trial_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("community:trial_sent", kwargs={"slug": space.slug})
    trial = TrialRequest.objects.get()
    assert (trial.space, trial.name, trial.email, trial.date) == (
        space,
        "Sophie Lambert",
        "sophie@example.org",
        next_weekday(0),
    )
    assert trial.status == TrialRequest.Status.PENDING
    run_jobs()
    to_visitor = [m for m in mail.outbox if m.to == ["sophie@example.org"]]
    to_manager = [m for m in mail.outbox if m.to == [manager.email]]
    assert len(to_visitor) == 1 and space.name in to_visitor[0].subject
    assert len(to_manager) == 1 and "Sophie Lambert" in to_manager[0].body


@pytest.mark.clock
@pytest.mark.django_db
def test_trial_confirmation_is_sent_in_the_visitors_language(client, space):
    client.post(trial_url(space), trial_data(), HTTP_ACCEPT_LANGUAGE="fr")

    trial = TrialRequest.objects.get()
    assert trial.language == "fr"


@pytest.mark.clock
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "code"),
    [
        (lambda: timezone.localdate() - dt.timedelta(days=1), "past_day"),
        (lambda: next_weekday(6), "closed"),  # the factory's spaces close on Sundays
        (lambda: timezone.localdate() + dt.timedelta(days=400), "too_far"),
    ],
)
def test_trial_day_must_be_an_upcoming_opening_day(client, space, day, code):
    response = client.post(trial_url(space), trial_data(date=day().isoformat()))

    assert response.status_code == 400
    errors = response.context["form"].errors.as_data()
    assert [error.code for error in errors["date"]] == [code]
    assert not TrialRequest.objects.exists()
    run_jobs()
    assert mail.outbox == []


@pytest.mark.clock
@pytest.mark.django_db
def test_closed_day_error_names_the_weekday(client, space):
    response = client.post(trial_url(space), trial_data(date=next_weekday(6).isoformat()))

    assert "closed on Sunday" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"name": "   "}, "name"),
        ({"date": "31/02/2027"}, "date"),
        ({"website": "http://spam.example"}, "website"),
    ],
)
def test_trial_form_rejects_bad_input(client, space, changes, field):
    response = client.post(trial_url(space), trial_data(**changes))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not TrialRequest.objects.exists()


@pytest.mark.clock
@pytest.mark.django_db
def test_a_full_day_is_refused_but_another_day_is_fine(client):
    space = SpaceFactory(trial_capacity=1)
    client.post(trial_url(space), trial_data(email="first@example.org"))

    refused = client.post(trial_url(space), trial_data(email="second@example.org"))
    accepted = client.post(
        trial_url(space), trial_data(email="second@example.org", date=next_weekday(1).isoformat())
    )

    assert "fully booked" in " ".join(refused.context["form"].errors["date"])
    assert accepted.status_code == 302
    assert TrialRequest.objects.count() == 2


@pytest.mark.clock
@pytest.mark.django_db
def test_a_declined_request_frees_its_place(space, manager):
    space.trial_capacity = 1
    space.save()
    first = services.trial_request_create(space=space, name="A", email="a@example.org", date=next_weekday(0))
    services.trial_request_decide(trial=first, by=manager, accept=False)

    second = services.trial_request_create(space=space, name="B", email="b@example.org", date=next_weekday(0))

    assert second.pk


@pytest.mark.clock
@pytest.mark.django_db
def test_the_same_visitor_cannot_ask_twice_for_the_same_day(client, space):
    client.post(trial_url(space), trial_data())

    response = client.post(trial_url(space), trial_data(email="SOPHIE@example.org "))

    assert [e.code for e in response.context["form"].errors.as_data()["date"]] == ["duplicate"]
    assert TrialRequest.objects.count() == 1


@pytest.mark.clock
@pytest.mark.django_db
def test_one_email_cannot_flood_the_form(client):
    spaces = [SpaceFactory(trial_capacity=10) for _ in range(4)]
    for space in spaces[:3]:
        assert client.post(trial_url(space), trial_data()).status_code == 302

    response = client.post(trial_url(spaces[3]), trial_data())

    assert response.status_code == 400
    assert "several trial days" in " ".join(response.context["form"].non_field_errors())
    assert TrialRequest.objects.count() == 3


@pytest.mark.clock
@pytest.mark.django_db
def test_one_address_cannot_flood_the_form_with_many_emails(client):
    space = SpaceFactory(trial_capacity=50)
    days = [next_weekday(d % 5, min_days=1 + 7 * (d // 5)) for d in range(11)]
    for n, day in enumerate(days[:10]):
        assert (
            client.post(
                trial_url(space), trial_data(email=f"v{n}@example.org", date=day.isoformat())
            ).status_code
            == 302
        )

    response = client.post(trial_url(space), trial_data(email="v10@example.org", date=days[10].isoformat()))
    other_address = Client_with_ip("10.9.9.9").post(
        trial_url(space), trial_data(email="v10@example.org", date=days[10].isoformat())
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert other_address.status_code == 302


def Client_with_ip(ip: str):  # noqa: N802 - reads like a constructor in the test
    from django.test import Client

    return Client(REMOTE_ADDR=ip)


@pytest.mark.clock
@pytest.mark.django_db
def test_refused_attempts_do_not_count_towards_the_limit(client, space):
    for _ in range(5):
        client.post(trial_url(space), trial_data(date=next_weekday(6).isoformat()))

    assert client.post(trial_url(space), trial_data()).status_code == 302


@pytest.mark.django_db
def test_trial_form_page_shows_the_opening_days(client, space):
    response = client.get(trial_url(space))

    assert response.status_code == 200
    assert "Monday 08:30–18:30" in response.content.decode()


# Managers answer the requests --------------------------------------------------------------


@pytest.fixture
def pending(space):
    return services.trial_request_create(
        space=space, name="Pieter De Smet", email="pieter@example.org", date=next_weekday(0), language="nl"
    )


def decide_url(trial, decision: str) -> str:
    return reverse(
        "community:trial_decide", kwargs={"slug": trial.space.slug, "pk": trial.pk, "decision": decision}
    )


@pytest.mark.clock
@pytest.mark.django_db
def test_manager_sees_and_accepts_a_request_and_the_visitor_is_emailed(
    manager_client, manager, pending, django_capture_on_commit_callbacks
):
    page = manager_client.get(reverse("community:space_manage", kwargs={"slug": pending.space.slug}))
    assert "Pieter De Smet" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(decide_url(pending, "accept"))

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == TrialRequest.Status.ACCEPTED
    assert pending.decided_by == manager
    run_jobs()
    assert [m.to for m in mail.outbox] == [["pieter@example.org"]]
    assert "Pieter" in mail.outbox[0].body


@pytest.mark.django_db
def test_manager_declines_a_request_and_the_visitor_is_told(
    manager_client, pending, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(decide_url(pending, "decline"))

    pending.refresh_from_db()
    assert pending.status == TrialRequest.Status.DECLINED
    run_jobs()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["pieter@example.org"]


@pytest.mark.django_db
def test_an_answered_request_stays_answered(manager_client, pending):
    manager_client.post(decide_url(pending, "accept"))
    mail.outbox.clear()

    response = manager_client.post(decide_url(pending, "decline"), follow=True)

    pending.refresh_from_db()
    assert pending.status == TrialRequest.Status.ACCEPTED
    assert "already been answered" in response.content.decode()
    run_jobs()
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_member_who_is_not_a_manager_cannot_see_or_answer_requests(member_client, pending):
    page = member_client.get(reverse("community:space_manage", kwargs={"slug": pending.space.slug}))
    answer = member_client.post(decide_url(pending, "accept"))

    assert page.status_code == 403
    assert answer.status_code == 403
    pending.refresh_from_db()
    assert pending.status == TrialRequest.Status.PENDING


@pytest.mark.django_db
def test_the_manager_of_another_space_cannot_answer(pending):
    other_space = SpaceFactory()
    other_manager = MemberFactory()
    other_space.managers.add(other_manager)

    with pytest.raises(PermissionDenied):
        services.trial_request_decide(trial=pending, by=other_manager, accept=True)
    client = Client_with_ip("127.0.0.1")
    client.force_login(other_manager)
    via_own_space = client.post(
        reverse(
            "community:trial_decide",
            kwargs={"slug": other_space.slug, "pk": pending.pk, "decision": "accept"},
        )
    )
    assert via_own_space.status_code == 404
    pending.refresh_from_db()
    assert pending.status == TrialRequest.Status.PENDING


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in_for_the_manager_page(client, pending):
    response = client.get(reverse("community:space_manage", kwargs={"slug": pending.space.slug}))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.django_db
def test_staff_answer_requests_of_any_space(staff_client, pending):
    response = staff_client.post(decide_url(pending, "decline"))

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == TrialRequest.Status.DECLINED


@pytest.mark.django_db
def test_an_unknown_decision_is_a_404(manager_client, pending):
    assert manager_client.post(decide_url(pending, "maybe")).status_code == 404


@pytest.mark.django_db
def test_admin_action_accepts_and_emails_the_visitor(
    admin_client, pending, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:community_trialrequest_changelist"),
            {"action": "accept", "_selected_action": [pending.pk]},
            follow=True,
        )

    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == TrialRequest.Status.ACCEPTED
    run_jobs()
    assert [m.to for m in mail.outbox] == [["pieter@example.org"]]
