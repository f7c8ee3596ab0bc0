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
