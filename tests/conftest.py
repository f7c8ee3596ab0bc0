"""Shared fixtures. Servers (osmem, Redis, Daphne, Chromium) live in tests/fixtures/."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import MemberFactory, SpaceFactory


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
