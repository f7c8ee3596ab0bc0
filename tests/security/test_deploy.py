"""Production settings: `check --deploy` is clean, the security headers are sent on every kind of
response, HTTPS is enforced when SECURE_HTTPS is on, and no debug page ever reaches a visitor.

The production environment used throughout (also documented in the README):

    SECRET_KEY=<50+ random characters>  SECURE_HTTPS=1  DEBUG=0
    ALLOWED_HOSTS=coworking.example.be  CSRF_TRUSTED_ORIGINS=https://coworking.example.be
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import get_resolver

from tests.factories import DEFAULT_PASSWORD

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "SECURE_HTTPS": "1",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "coworking.example.be",
    "CSRF_TRUSTED_ORIGINS": "https://coworking.example.be",
}

# Variables of the developer's shell or of the test run that must not leak into the probe.
_SCRUBBED = {
    "DATABASE_URL",
    "REDIS_URL",
    "ELASTICSEARCH_URL",
    "DEBUG",
    "SECRET_KEY",
    "SECURE_HTTPS",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DJANGO_SETTINGS_MODULE",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**clean, "DJANGO_SETTINGS_MODULE": "community.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


SECURITY_PROBE = """
import json
from community import settings as s
names = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
         "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "ALLOWED_HOSTS",
         "CSRF_TRUSTED_ORIGINS", "SESSION_COOKIE_HTTPONLY"]
print(json.dumps({n: getattr(s, n) for n in names}))
"""


def production_security_settings() -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    result = subprocess.run(
        [sys.executable, "-c", SECURITY_PROBE],
        env={**clean, **PRODUCTION_ENV},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    values = json.loads(result.stdout)
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"] or ()) or None
    return values


@pytest.mark.slow
def test_check_deploy_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_check_deploy_flags_a_missing_https_setup():
    # Proves the check above can fail: the same settings without SECURE_HTTPS are not deployable.
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECURE_HTTPS"}

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode != 0
    assert "security.W004" in result.stderr  # HSTS
    assert "security.W012" in result.stderr  # session cookie not secure


def test_security_headers_on_pages_api_and_errors(client, member):
    member_client = Client()
    member_client.force_login(member)

    responses = {
        "home": client.get("/"),
        "login": client.get("/accounts/login/"),
        "member page": member_client.get("/members/"),
        "api": member_client.get("/api/conversations/"),
        "api error": client.get("/api/conversations/"),
        "404": client.get("/no-such-page/"),
    }

    for name, response in responses.items():
        csp = response.headers.get("Content-Security-Policy", "")
        directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip())
        assert directives.get("script-src") == "'self'", (name, csp)
        assert directives.get("object-src") == "'none'", (name, csp)
        assert directives.get("frame-ancestors") == "'none'", (name, csp)
        assert response.headers.get("X-Frame-Options") == "DENY", name
        assert response.headers.get("X-Content-Type-Options") == "nosniff", name
        assert response.headers.get("Referrer-Policy") == "same-origin", name


@pytest.mark.slow
def test_https_setup_redirects_and_sends_hsts_and_secure_cookies(db):
    production = production_security_settings()
    assert production["DEBUG"] is False
    assert production["ALLOWED_HOSTS"] == ["coworking.example.be"]

    with override_settings(**production):
        plain = Client(HTTP_HOST="coworking.example.be").get("/accounts/login/")
        behind_proxy = Client(HTTP_HOST="coworking.example.be", HTTP_X_FORWARDED_PROTO="https").get(
            "/accounts/login/"
        )
        foreign_host = Client(HTTP_HOST="evil.example", HTTP_X_FORWARDED_PROTO="https").get(
            "/accounts/login/"
        )

    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://coworking.example.be/accounts/login/"
    assert behind_proxy.status_code == 200
    hsts = behind_proxy.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts and "preload" in hsts
    csrf_cookie = behind_proxy.cookies["csrftoken"]
    assert csrf_cookie["secure"] is True
    assert foreign_host.status_code == 400


def test_session_cookie_is_http_only_and_secure_behind_https(db, member):
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    with override_settings(
        SESSION_COOKIE_SECURE=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    ):
        response = client.post(
            "/accounts/login/", {"username": member.username, "password": DEFAULT_PASSWORD}
        )

    session = response.cookies["sessionid"]
    assert response.status_code == 302
    assert session["httponly"] is True
    assert session["secure"] is True
    assert session["samesite"] == "Lax"


def test_missing_page_is_the_friendly_page_not_the_debug_page(client, db):
    response = client.get("/members/nobody-by-this-name/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "Using the URLconf" not in body and "Traceback" not in body
    assert "<!doctype html>" in body.lower()


def test_server_error_page_has_no_debug_details(rf):
    handler = get_resolver().resolve_error_handler(500)

    response = handler(rf.get("/boom/"))

    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body and "settings" not in body.lower()


# ---------------------------------------------------------------------------------------------
# The pages satisfy the Content Security Policy: no inline code anywhere in the templates.
# ---------------------------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.I)


def _template_files() -> list[Path]:
    folders = [ROOT / "templates", *ROOT.glob("*/templates"), *ROOT.glob("*/*/templates")]
    return sorted({p for folder in folders for p in folder.rglob("*.html") if ".venv" not in p.parts})


def test_templates_have_no_inline_scripts_or_event_handlers():
    files = _template_files()
    assert len(files) > 20

    offenders = []
    for path in files:
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JS_URL):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)[:80]}")

    assert offenders == []
