"""The installable app: the manifest and its icons, the service worker at the root, the offline
page in each language, all linked from every page without an inline script."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _attribute(html: str, tag_pattern: str, name: str) -> str:
    tag = re.search(tag_pattern, html)
    assert tag, f"no tag matching {tag_pattern}"
    value = re.search(rf'{name}="([^"]*)"', tag.group(0))
    assert value, f"{tag.group(0)} has no {name}"
    return value.group(1).replace("&amp;", "&")


def test_every_page_links_the_manifest_and_it_describes_an_installable_app():
    client = Client()
    home = client.get("/").content.decode()
    href = _attribute(home, r'<link rel="manifest"[^>]*>', "href")

    response = client.get(href)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Coworking Belgium" and manifest["short_name"] == "Coworking"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["id"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert _attribute(home, r'<meta name="theme-color"[^>]*>', "content") == manifest["theme_color"]
    icons = {(icon["sizes"], icon["purpose"]): icon for icon in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, _purpose), icon in icons.items():
        png = b"".join(client.get(icon["src"]).streaming_content)
        image = Image.open(io.BytesIO(png))
        assert (image.format, icon["type"]) == ("PNG", "image/png")
        assert "x".join(map(str, image.size)) == sizes


def test_the_maskable_icon_fills_its_square_and_the_others_have_round_corners():
    client = Client()
    icons = {icon["purpose"]: icon for icon in client.get("/manifest.webmanifest").json()["icons"]}

    def image(src):
        return Image.open(io.BytesIO(b"".join(client.get(src).streaming_content))).convert("RGBA")

    maskable, any_ = image(icons["maskable"]["src"]), image(icons["any"]["src"])

    assert maskable.getpixel((0, 0))[3] == 255  # a launcher's mask cuts into colour, never a hole
    assert any_.getpixel((0, 0))[3] == 0
    assert any_.getpixel((any_.width // 2, any_.height // 2))[:3] == (255, 255, 255)  # the house


@pytest.mark.parametrize(
    ("language", "description"),
    [
        ("fr", "Les espaces de coworking en Belgique : membres, messages, entraide et événements."),
        ("nl", "Coworkingruimtes in België: leden, berichten, het hulpbord en evenementen."),
    ],
)
def test_the_manifest_speaks_the_pages_language(language, description):
    client = Client()
    member = MemberFactory(preferred_language=language)
    client.force_login(member)
    href = _attribute(client.get("/").content.decode(), r'<link rel="manifest"[^>]*>', "href")

    manifest = client.get(href).json()

    assert href == f"/manifest.webmanifest?lang={language}"
    assert manifest["lang"] == language
    assert manifest["description"] == description
    assert manifest["id"] == "/"  # one app whatever the language


def test_the_service_worker_is_served_from_the_root_for_the_whole_site():
    response = Client().get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    source = response.content.decode()
    # It keeps the offline page the site serves, and shows pushes with their links.
    assert f'"{reverse("offline")}?lang="' in source
    assert "showNotification" in source and "notificationclick" in source


def test_pages_register_the_service_worker_from_a_static_file_with_no_inline_script():
    client = Client()
    client.force_login(MemberFactory())

    for path in ("/", reverse("notifications:preferences")):
        html = client.get(path).content.decode()
        assert (
            _attribute(html, r'<script src="[^"]*notifications/pwa\.js"[^>]*>', "data-service-worker")
            == "/sw.js"
        )
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script or 'type="application/json"' in script, script
    # Logging out forgets this device's push subscription first (pwa.js).
    assert _attribute(html, r'<form[^>]*action="/accounts/logout/"[^>]*>', "data-forget-device") == (
        "/api/notifications/push/unsubscribe"
    )


@pytest.mark.parametrize(
    ("language", "title", "again"),
    [
        ("en", "You are offline", "Try again"),
        ("fr", "Vous êtes hors ligne", "Réessayer"),
        ("nl", "Je bent offline", "Opnieuw proberen"),
    ],
)
def test_the_offline_page_speaks_each_language_and_needs_nothing_else_to_show(language, title, again):
    # An anonymous visitor whose browser prefers another language: the page asked for wins.
    response = Client(HTTP_ACCEPT_LANGUAGE="de").get(reverse("offline"), {"lang": language})

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert f'<html lang="{language}">' in html
    assert f"<h1>{title}</h1>" in html and again in html
    # Shown with no connection: no stylesheet, script, image or font to fetch.
    assert not re.search(r"<(link|script|img)\b", html)
    assert 'href=""' in html  # "try again" reloads the page that could not load


def test_an_unknown_language_gets_the_offline_page_in_the_visitors_language():
    response = Client(HTTP_ACCEPT_LANGUAGE="fr").get(reverse("offline"), {"lang": "xx"})

    assert "Vous êtes hors ligne" in response.content.decode()
