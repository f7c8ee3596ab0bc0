"""Shared fixtures. Servers (osmem, Redis, Daphne, Chromium) live in tests/fixtures/."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import MemberFactory, SpaceFactory

# Real servers for the tests that need them: `redis_server`/`redis_url`, `daphne_factory`.
pytest_plugins = ["tests.fixtures.redis", "tests.fixtures.daphne"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """On SQLite the test database is a file (on tmpfs), so live Daphne processes can share it."""
    from tests.fixtures.daphne import use_sqlite_file_for_tests

    use_sqlite_file_for_tests()


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


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return "transactional_db" in getattr(item, "fixturenames", ())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem):
    """A transactional test ends with a flush that also empties what data migrations loaded:
    put the skill taxonomy back once that flush is done, so every later test finds it."""
    yield
    if not _is_transactional(item) or nextitem is None:
        return  # (after the last test the test database is already gone: nothing to restore)
    from pytest_django.plugin import blocking_manager_key

    from profiles.models import Skill, SkillCategory, SkillTag
    from profiles.taxonomy import clear_term_index, load_taxonomy

    with item.config.stash[blocking_manager_key].unblock():
        if not Skill.objects.exists():
            load_taxonomy(skill_model=Skill, category_model=SkillCategory, tag_model=SkillTag)
            clear_term_index()
