"""Shared fixtures. Servers (the search engine, Redis, Daphne, Chromium) live in tests/fixtures/."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from tests.factories import MemberFactory, SpaceFactory

# Real servers for the tests that need them: `redis_server`/`redis_url`, `daphne_factory`,
# `search_server`/`elasticsearch_settings`/`search_outage` (a real OpenSearch, started once).
pytest_plugins = [
    "tests.fixtures.search_engine",
    "tests.fixtures.redis",
    "tests.fixtures.daphne",
    "tests.fixtures.smtp",
    "tests.fixtures.jobs",
    "tests.fixtures.s3",
]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """On SQLite the test database is a file (on tmpfs), so live Daphne processes can share it."""
    from tests.fixtures.daphne import use_sqlite_file_for_tests

    use_sqlite_file_for_tests()


# The instants at which every test marked `clock` runs, in the site's time zone: the hours and
# days when "today", "now" and "open now" are easiest to get wrong. Weekdays are named in comments
# because the spaces' opening hours depend on them.
BRUSSELS = ZoneInfo("Europe/Brussels")
CLOCK_INSTANTS = {
    # Tuesday, before any space opens (the earliest open at 08:00).
    "early": dt.datetime(2026, 6, 9, 5, 30, tzinfo=BRUSSELS),
    # Tuesday, some spaces open and others not yet; regulars are still arriving.
    "morning": dt.datetime(2026, 6, 9, 9, 10, tzinfo=BRUSSELS),
    # Wednesday, the first instant of the day.
    "midnight": dt.datetime(2026, 6, 10, 0, 0, tzinfo=BRUSSELS),
    # Wednesday, the last second of the day (21:59:59 UTC).
    "before-midnight": dt.datetime(2026, 6, 10, 23, 59, 59, tzinfo=BRUSSELS),
    # Every space is closed.
    "sunday": dt.datetime(2026, 6, 14, 11, 0, tzinfo=BRUSSELS),
    # Thursday, the last evening of a 30-day month (still April in UTC too).
    "month-end": dt.datetime(2026, 4, 30, 23, 30, tzinfo=BRUSSELS),
    # Thursday, the last second of the year.
    "new-years-eve": dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=BRUSSELS),
    # Sunday 29 March 2026: clocks jump from 02:00 to 03:00, so 02:30 local never happens;
    # 01:30 UTC is the 03:30 CEST that a naive 02:30 would land on.
    "dst-spring": dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC),
    # Sunday 25 October 2026: clocks go back from 03:00 to 02:00, so 02:30 local happens twice;
    # 01:30 UTC is the second time (02:30 CET). Written in UTC: a fold=1 datetime never compares
    # equal to one in another zone (PEP 495), so it would not equal timezone.now().
    "dst-autumn": dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test marked `clock` once per instant of CLOCK_INSTANTS (ids such as `[sunday]`).

    `@pytest.mark.clock("before-midnight")` names the instants to use instead of all of them.
    """
    marker = metafunc.definition.get_closest_marker("clock")
    if marker is None:
        return
    names = list(marker.args or CLOCK_INSTANTS)
    unknown = set(names) - set(CLOCK_INSTANTS)
    if unknown:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: unknown clock instants {sorted(unknown)}")
    metafunc.fixturenames.append("clock_instant")
    metafunc.parametrize("clock_instant", [CLOCK_INSTANTS[name] for name in names], ids=names)


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest):
    """For a test marked `clock`: the time_machine traveller, at the test's instant.

    Time stands still there unless the marker says `tick=True`. Unmarked tests get None and the
    real clock. Autouse, so the travel starts before the test's other fixtures make their rows.
    """
    marker = request.node.get_closest_marker("clock")
    if marker is None:
        yield None
        return
    instant = request.getfixturevalue("clock_instant")
    with time_machine.travel(instant, tick=marker.kwargs.get("tick", False)) as traveller:
        yield traveller


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def other_member(db):
    return MemberFactory()


@pytest.fixture
def space(db):
    return SpaceFactory()


@pytest.fixture
def member_client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and caches live in Django's cache: start every test with it empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _trusted_search_index():
    """A search index one test marked broken (search.health, per process) is not the next one's."""
    from search import health

    health.forget()
    yield
    health.forget()


@pytest.fixture(autouse=True)
def _empty_job_queue():
    """No job outlives its test: a later test's rows may reuse the ids an old job names."""
    from tests.fixtures.jobs import flush_queue

    flush_queue()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """A test that renders a page in French (or activates a language) leaves no trace on the next."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return "transactional_db" in getattr(item, "fixturenames", ())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem):
    """A transactional test ends with a flush that empties the model tables, what data migrations
    loaded included, and nothing else: put back the skill taxonomy and the first terms and privacy
    notice, and empty SQLite's FTS5 tables (no models: rows left there would make the next test's
    index look corrupt to search.health), so every later test starts as from the migrations."""
    yield
    if not _is_transactional(item) or nextitem is None:
        return  # (after the last test the test database is already gone: nothing to restore)
    import importlib

    from django.apps import apps
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    from profiles.models import LegalText, Skill, SkillCategory, SkillTag
    from profiles.taxonomy import clear_term_index, load_taxonomy
    from search.backends.database import SQLITE_MEMBER_FTS, SQLITE_MESSAGE_FTS

    with item.config.stash[blocking_manager_key].unblock():
        if not Skill.objects.exists():
            load_taxonomy(skill_model=Skill, category_model=SkillCategory, tag_model=SkillTag)
            clear_term_index()
        if not LegalText.objects.exists():
            importlib.import_module("profiles.migrations.0007_first_terms_and_privacy_notice").create(
                apps, None
            )
        if connection.vendor == "sqlite":
            # Dropped and created again rather than emptied: a test may have left them corrupt.
            with connection.cursor() as cursor:
                for table, create in (
                    ("search_member_fts", SQLITE_MEMBER_FTS),
                    ("search_message_fts", SQLITE_MESSAGE_FTS),
                ):
                    cursor.execute(f"DROP TABLE IF EXISTS {table}")
                    cursor.execute(create)
                cursor.execute("INSERT INTO search_term_trgm (search_term_trgm) VALUES ('delete-all')")
