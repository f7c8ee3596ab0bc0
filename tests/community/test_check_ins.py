import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from community.core.timeutils import start_of_day
from community.network import selectors, services
from community.network.models import CheckIn
from tests.community.conftest import run_at_once
from tests.factories import MemberFactory, SpaceFactory


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return start_of_day(day) + dt.timedelta(hours=hour, minutes=minute)


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def check_in_url(space) -> str:
    return reverse("community:check_in", kwargs={"slug": space.slug})


# Checking in and out --------------------------------------------------------------------------


@pytest.mark.clock
@pytest.mark.django_db
def test_member_checks_in_and_out_with_the_buttons(member_client, member, space):
    checked_in = member_client.post(check_in_url(space), {"next": space.get_absolute_url()})
    page = member_client.get(space.get_absolute_url())
    checked_out = member_client.post(reverse("community:check_out"))

    assert checked_in.status_code == 302 and checked_in["Location"] == space.get_absolute_url()
    assert member.pk in [c.member_id for c in page.context["whos_in"].check_ins]
    assert checked_out.status_code == 302
    (check_in,) = CheckIn.objects.filter(member=member)
    assert check_in.ended_at is not None and check_in.space == space


@pytest.mark.django_db
def test_check_in_needs_a_post_and_a_logged_in_member(client, member_client, space):
    by_get = member_client.get(check_in_url(space))
    anonymous = client.post(check_in_url(space))

    assert by_get.status_code == 405
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_check_in_is_refused_without_the_csrf_token(member, space):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(check_in_url(space))

    assert response.status_code == 403
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_a_member_cannot_check_someone_else_in(member_client, member, other_member, space):
    member_client.post(check_in_url(space), {"member": other_member.pk, "username": other_member.username})

    assert list(CheckIn.objects.values_list("member_id", flat=True)) == [member.pk]


@pytest.mark.django_db
def test_a_member_cannot_check_someone_else_out(member_client, other_member, space):
    services.check_in_start(member=other_member, space=space)

    member_client.post(reverse("community:check_out"), {"member": other_member.pk})

    assert CheckIn.objects.get(member=other_member).ended_at is None


@pytest.mark.clock
@pytest.mark.django_db
def test_checking_in_twice_keeps_one_open_check_in(member, space):
    first = services.check_in_start(member=member, space=space)
    again = services.check_in_start(member=member, space=space)

    assert first.pk == again.pk
    assert CheckIn.objects.filter(member=member, ended_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_checking_in_elsewhere_checks_out_of_the_first_space(member, space):
    other = SpaceFactory()
    now = local(dt.date(2026, 3, 10), 12)  # the same day as the first check-in, whatever the hour now
    first = services.check_in_start(member=member, space=space, now=now - dt.timedelta(hours=2))

    second = services.check_in_start(member=member, space=other, now=now)

    first.refresh_from_db()
    assert first.ended_at == now
    assert second.space == other and second.ended_at is None


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_check_in(member, space):
    CheckIn.objects.create(member=member, space=space, started_at=timezone.now())

    with pytest.raises(IntegrityError):
        CheckIn.objects.create(member=member, space=SpaceFactory(), started_at=timezone.now())


@pytest.mark.clock("before-midnight")
@pytest.mark.django_db(transaction=True)
def test_double_clicks_from_two_tabs_make_one_check_in():
    member, space = MemberFactory(), SpaceFactory()

    results = run_at_once([lambda: services.check_in_start(member=member, space=space) for _ in range(4)])

    assert all(isinstance(r, CheckIn) for r in results), results
    assert CheckIn.objects.filter(member=member).count() == 1


@pytest.mark.django_db
def test_checking_out_when_not_checked_in_says_so(member_client):
    response = member_client.post(reverse("community:check_out"), follow=True)

    assert response.status_code == 200
    assert "You were not checked in." in response.content.decode()


@pytest.mark.django_db
def test_check_out_ignores_an_outside_next_url(member_client, member, space):
    services.check_in_start(member=member, space=space)

    response = member_client.post(reverse("community:check_out"), {"next": "https://evil.example/"})

    assert response["Location"] == reverse("home")


# Forgotten check-outs close at midnight (Europe/Brussels) ----------------------------------------


@pytest.mark.clock
@pytest.mark.django_db
def test_a_forgotten_check_in_from_yesterday_is_not_in_today(member, space):
    CheckIn.objects.create(member=member, space=space, started_at=local(yesterday(), 9))

    assert selectors.checked_in_member_ids(space_id=space.pk) == set()
    assert selectors.whos_in_today(space=space, viewer=member).total == 0
    assert selectors.open_check_in(member=member) is None


@pytest.mark.clock
@pytest.mark.django_db
def test_the_command_closes_forgotten_check_ins_at_their_midnight(member, other_member, space):
    forgotten = CheckIn.objects.create(member=member, space=space, started_at=local(yesterday(), 9))
    # Begun at today's midnight: still today at any hour (five minutes ago is yesterday at 00:02).
    today = CheckIn.objects.create(
        member=other_member, space=space, started_at=start_of_day(timezone.localdate())
    )
    out = io.StringIO()

    call_command("close_check_ins", stdout=out)

    forgotten.refresh_from_db()
    today.refresh_from_db()
    assert forgotten.ended_at == start_of_day(timezone.localdate())
    assert today.ended_at is None
    assert out.getvalue().startswith("1 ")
    call_command("close_check_ins", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("0 ")


@pytest.mark.clock
@pytest.mark.django_db
def test_checking_in_the_next_day_closes_yesterdays_check_in_at_midnight(member, space):
    forgotten = CheckIn.objects.create(member=member, space=space, started_at=local(yesterday(), 9))

    services.check_in_start(member=member, space=space)

    forgotten.refresh_from_db()
    assert forgotten.ended_at == start_of_day(timezone.localdate())
    assert CheckIn.objects.filter(member=member, ended_at__isnull=True).count() == 1


@pytest.mark.clock
@pytest.mark.django_db
def test_checking_out_the_next_day_ends_the_visit_at_midnight(member, space):
    forgotten = CheckIn.objects.create(member=member, space=space, started_at=local(yesterday(), 20))

    services.check_in_end(member=member)

    forgotten.refresh_from_db()
    assert forgotten.ended_at == start_of_day(timezone.localdate())


@pytest.mark.django_db
def test_midnight_is_brussels_midnight_not_utc(member, space):
    # 23:30 in Brussels is 21:30 or 22:30 UTC: the visit lasts half an hour, whatever the season.
    summer_day = dt.date(2026, 7, 14)
    check_in = CheckIn.objects.create(member=member, space=space, started_at=local(summer_day, 23, 30))

    services.check_ins_close_stale(now=local(summer_day + dt.timedelta(days=2), 8))

    check_in.refresh_from_db()
    assert check_in.ended_at - check_in.started_at == dt.timedelta(minutes=30)


@pytest.mark.django_db
def test_midnight_after_the_clocks_go_back(member, space):
    # 25 October 2026 has 25 hours in Brussels; the visit begun at 20:00 the day before lasts 4 hours.
    check_in = CheckIn.objects.create(member=member, space=space, started_at=local(dt.date(2026, 10, 24), 20))

    services.check_ins_close_stale(now=local(dt.date(2026, 10, 26), 8))

    check_in.refresh_from_db()
    assert check_in.ended_at - check_in.started_at == dt.timedelta(hours=4)


# Hours ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_hours_per_space_per_month_count_forgotten_check_outs_until_midnight(member, space):
    other = SpaceFactory(name="Forge")
    march = dt.date(2026, 3, 10)
    CheckIn.objects.create(
        member=member, space=space, started_at=local(march, 9), ended_at=local(march, 17, 30)
    )
    CheckIn.objects.create(
        member=member, space=space, started_at=local(march.replace(day=11), 22)
    )  # forgotten
    CheckIn.objects.create(
        member=member, space=other, started_at=local(march, 13), ended_at=local(march, 14, 15)
    )
    CheckIn.objects.create(
        member=member,
        space=space,
        started_at=local(dt.date(2026, 4, 1), 9),
        ended_at=local(dt.date(2026, 4, 1), 12),
    )

    rows = selectors.member_hours(member=member, year=2026, month=3)

    assert [(row.space.name, row.visits, row.hours) for row in rows] == [
        ("Forge", 1, 1.25),
        (space.name, 2, 10.5),
    ]


@pytest.mark.django_db
def test_my_hours_page_shows_the_month_asked_for(member_client, member, space):
    march = dt.date(2026, 3, 10)
    CheckIn.objects.create(member=member, space=space, started_at=local(march, 9), ended_at=local(march, 12))

    march_page = member_client.get(reverse("community:my_hours"), {"month": "2026-03"})
    bad_month = member_client.get(reverse("community:my_hours"), {"month": "2026-13"})

    assert march_page.status_code == 200
    assert [row.hours for row in march_page.context["rows"]] == [3.0]
    assert "3.00" in march_page.content.decode()
    assert bad_month.status_code == 400
    assert "month" in bad_month.context["form"].errors


@pytest.mark.django_db
def test_managers_export_a_months_hours_as_csv(manager_client, space):
    march = dt.date(2026, 3, 10)
    anke, bram = (
        MemberFactory(username="anke", display_name="Anke"),
        MemberFactory(username="bram", display_name="Bram"),
    )
    CheckIn.objects.create(member=anke, space=space, started_at=local(march, 9), ended_at=local(march, 17))
    CheckIn.objects.create(
        member=anke,
        space=space,
        started_at=local(march.replace(day=12), 9),
        ended_at=local(march.replace(day=12), 10, 30),
    )
    CheckIn.objects.create(member=bram, space=space, started_at=local(march, 14), ended_at=local(march, 16))
    CheckIn.objects.create(
        member=bram, space=SpaceFactory(), started_at=local(march, 8), ended_at=local(march, 9)
    )
    CheckIn.objects.create(
        member=bram,
        space=space,
        started_at=local(dt.date(2026, 2, 27), 9),
        ended_at=local(dt.date(2026, 2, 27), 17),
    )

    response = manager_client.get(
        reverse("community:space_hours_csv", kwargs={"slug": space.slug}), {"month": "2026-03"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"{space.slug}-hours-2026-03.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["username"], r["visits"], r["hours"]) for r in rows] == [
        ("anke", "2", "9.50"),
        ("bram", "1", "2.00"),
    ]


@pytest.mark.django_db
def test_only_managers_export_hours(member_client, client, space):
    url = reverse("community:space_hours_csv", kwargs={"slug": space.slug})

    assert member_client.get(url).status_code == 403
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_a_bad_month_in_the_export_is_a_400_not_a_500(manager_client, space):
    url = reverse("community:space_hours_csv", kwargs={"slug": space.slug})

    for month in ("2026-00", "march", "9999-12", "2026-3"):
        response = manager_client.get(url, {"month": month})
        assert response.status_code == 400, month


@pytest.mark.django_db
def test_staff_export_any_space(staff_client, space):
    response = staff_client.get(reverse("community:space_hours_csv", kwargs={"slug": space.slug}))

    assert response.status_code == 200
    assert response.content.decode().splitlines()[0] == "month,username,name,email,visits,hours"
