import pytest
from django.core import mail
from django.urls import reverse

from profiles.models import Member
from tests.factories import DEFAULT_PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

GOOD_SIGNUP = {
    "username": "anke",
    "email": "anke@example.be",
    "display_name": "Anke Peeters",
    "password1": "tuinarchitect-gent-2026",
    "password2": "tuinarchitect-gent-2026",
    "accept_terms": "on",
}


def test_signup_creates_member_and_logs_in(client):
    response = client.post(reverse("signup"), GOOD_SIGNUP)

    assert response.status_code == 302
    member = Member.objects.get(username="anke")
    assert member.display_name == "Anke Peeters"
    assert member.check_password("tuinarchitect-gent-2026")
    assert client.get(reverse("home")).context["user"] == member


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"username": "taken"}, "username", "already taken"),
        ({"username": "TAKEN"}, "username", "already taken"),
        ({"email": "Taken@Example.org"}, "email", "already exists"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"password1": "123", "password2": "123"}, "password1", "too short"),
        ({"password1": "password123", "password2": "password123"}, "password1", "too common"),
        ({"password2": "something-else-entirely"}, "password2", "differ"),
        ({"display_name": "   "}, "display_name", ""),
        ({"username": "bad name!"}, "username", "valid username"),
    ],
)
def test_signup_rejects_bad_input_with_a_clear_error(client, changes, field, fragment):
    MemberFactory(username="taken", email="taken@example.org")

    response = client.post(reverse("signup"), {**GOOD_SIGNUP, **changes})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert fragment in " ".join(errors[field])
    assert not Member.objects.filter(email="anke@example.be").exists()


def test_login_with_right_password(client):
    member = MemberFactory(username="jef")

    response = client.post(reverse("login"), {"username": "jef", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == member


def test_login_with_wrong_password_shows_error(client):
    MemberFactory(username="jef")

    response = client.post(reverse("login"), {"username": "jef", "password": "wrong"})

    assert response.status_code == 200
    assert "Wrong username or password" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_logout_ends_the_session(client):
    member = MemberFactory()
    client.force_login(member)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_password_change_requires_old_password(client):
    member = MemberFactory()
    client.force_login(member)

    bad = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "brand-new-pass-42", "new_password2": "brand-new-pass-42"},
    )
    good = client.post(
        reverse("password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "brand-new-pass-42",
            "new_password2": "brand-new-pass-42",
        },
    )

    assert bad.status_code == 200 and "old_password" in bad.context["form"].errors
    assert good.status_code == 302
    member.refresh_from_db()
    assert member.check_password("brand-new-pass-42")


def test_password_reset_sends_a_working_link(client):
    member = MemberFactory(email="lotte@example.be")

    client.post(reverse("password_reset"), {"email": "lotte@example.be"})

    assert len(mail.outbox) == 1
    link = next(word for word in mail.outbox[0].body.split() if "/accounts/reset/" in word)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "vergeten-wachtwoord-9", "new_password2": "vergeten-wachtwoord-9"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("vergeten-wachtwoord-9")


def test_password_reset_for_unknown_email_says_nothing_more(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.be"})

    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.clock("before-midnight")
def test_login_is_throttled_after_repeated_failures(client):
    MemberFactory(username="target")
    for _ in range(5):
        client.post(reverse("login"), {"username": "target", "password": "guess"})

    response = client.post(reverse("login"), {"username": "target", "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    assert not response.context["user"].is_authenticated


@pytest.mark.clock("before-midnight")
def test_other_accounts_still_log_in_while_one_is_throttled(client):
    MemberFactory(username="target")
    MemberFactory(username="bystander")
    for _ in range(5):
        client.post(reverse("login"), {"username": "target", "password": "guess"})

    response = client.post(reverse("login"), {"username": "bystander", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302


@pytest.mark.clock("before-midnight")
def test_signup_is_rate_limited_per_address(client):
    for n in range(10):
        client.post(reverse("signup"), {**GOOD_SIGNUP, "username": f"bot{n}", "email": f"bot{n}@example.be"})
        client.post(reverse("logout"))

    response = client.post(
        reverse("signup"), {**GOOD_SIGNUP, "username": "bot99", "email": "bot99@example.be"}
    )

    assert response.status_code == 200
    assert "Too many accounts" in response.content.decode()
    assert not Member.objects.filter(username="bot99").exists()
