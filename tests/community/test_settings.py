"""Settings follow the environment: each variable is checked in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
from community import settings as s
print(json.dumps({
    "db_engine": s.DATABASES["default"]["ENGINE"],
    "db_name": str(s.DATABASES["default"]["NAME"]),
    "db_host": s.DATABASES["default"].get("HOST", ""),
    "layer": s.CHANNEL_LAYERS["default"]["BACKEND"],
    "search": s.SEARCH_BACKEND,
    "es_url": s.ELASTICSEARCH_URL,
    "debug": s.DEBUG,
    "hosts": s.ALLOWED_HOSTS,
    "first_app": s.INSTALLED_APPS[0],
    "secret": s.SECRET_KEY,
    "hsts": s.SECURE_HSTS_SECONDS,
    "queue": s.HUEY["huey_class"],
    "queue_at": s.HUEY.get("filename") or s.HUEY.get("url"),
    "email": s.EMAIL_BACKEND,
    "email_host": [s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS],
    "missed_delay": s.MISSED_MESSAGE_EMAIL_DELAY,
}))
"""


def read_settings(**env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "DEBUG", "EMAIL_HOST", "JOBS_SQLITE_PATH"}
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_embedded_defaults():
    s = read_settings()

    assert s["db_engine"] == "django.db.backends.sqlite3"
    assert s["db_name"].endswith("db.sqlite3")
    assert s["layer"] == "messaging.layers.InProcessChannelLayer"  # an in-memory layer, one process
    assert s["search"] == "database"
    assert s["debug"] is False
    assert s["first_app"] == "daphne"
    assert s["queue"] == "huey.SqliteHuey" and s["queue_at"].endswith("jobs.sqlite3")  # no server
    assert s["email"] == "django.core.mail.backends.console.EmailBackend"
    assert s["missed_delay"] == 600


def test_redis_url_puts_the_job_queue_on_redis():
    s = read_settings(REDIS_URL="redis://127.0.0.1:6379/0")

    assert s["queue"] == "huey.RedisHuey" and s["queue_at"] == "redis://127.0.0.1:6379/0"


def test_email_host_selects_smtp_with_djangos_names():
    s = read_settings(
        EMAIL_HOST="smtp.example.be",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="hello",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="1",
        MISSED_MESSAGE_EMAIL_DELAY="300",
    )

    assert s["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert s["email_host"] == ["smtp.example.be", 587, "hello", True]
    assert s["missed_delay"] == 300


def test_database_url_selects_postgresql():
    s = read_settings(DATABASE_URL="postgres://u:p@db.internal:5432/coworking")

    assert s["db_engine"] == "django.db.backends.postgresql"
    assert s["db_host"] == "db.internal"
    assert s["db_name"] == "coworking"


def test_redis_url_selects_channels_redis():
    assert (
        read_settings(REDIS_URL="redis://127.0.0.1:6379/0")["layer"]
        == "channels_redis.core.RedisChannelLayer"
    )


def test_elasticsearch_url_selects_elasticsearch_backend():
    s = read_settings(ELASTICSEARCH_URL="http://127.0.0.1:9200")

    assert s["search"] == "elasticsearch"
    assert s["es_url"] == "http://127.0.0.1:9200"


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False), ("no", False)])
def test_debug_only_when_asked(value, expected):
    assert read_settings(DEBUG=value)["debug"] is expected


def test_allowed_hosts_and_secret_from_environment():
    s = read_settings(ALLOWED_HOSTS="cowork.example.be, www.cowork.example.be", SECRET_KEY="x" * 60)

    assert s["hosts"] == ["cowork.example.be", "www.cowork.example.be"]
    assert s["secret"] == "x" * 60


def test_https_turns_on_hsts():
    assert read_settings(SECURE_HTTPS="1")["hsts"] > 0
    assert read_settings()["hsts"] == 0


def test_manage_py_check_is_clean():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
