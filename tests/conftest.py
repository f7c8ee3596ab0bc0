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
