import pytest
from django.urls import reverse

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_english_by_default(client):
    response = client.get(reverse("home"))

    assert response.headers["Content-Language"] == "en"


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_browser_accept_language_is_followed(client, language):
    response = client.get(reverse("home"), headers={"accept-language": f"{language},en;q=0.5"})

    assert response.headers["Content-Language"] == language


def test_member_preference_beats_the_browser(client):
    member = MemberFactory(preferred_language="nl")
    client.force_login(member)

    response = client.get(reverse("home"), headers={"accept-language": "fr"})

    assert response.headers["Content-Language"] == "nl"


def test_switcher_saves_the_preference_of_a_member(client):
    member = MemberFactory(preferred_language="")
    client.force_login(member)

    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.preferred_language == "fr"
    assert client.get(reverse("home")).headers["Content-Language"] == "fr"


def test_switcher_for_anonymous_visitor_uses_a_cookie(client):
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})

    assert client.get(reverse("home")).headers["Content-Language"] == "nl"


def test_switcher_ignores_unknown_languages(client):
    member = MemberFactory(preferred_language="en")
    client.force_login(member)

    client.post(reverse("set_language"), {"language": "xx", "next": "/"})

    member.refresh_from_db()
    assert member.preferred_language == "en"
