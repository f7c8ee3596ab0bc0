"""Fixtures for the community side: managers, staff, a future opening day, concurrent callers."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from tests.factories import MemberFactory


def next_weekday(weekday: int, *, min_days: int = 1) -> dt.date:
    """The first given weekday (0 = Monday) at least `min_days` from today (local time)."""
    day = timezone.localdate() + dt.timedelta(days=min_days)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def run_at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in threads released together by a barrier; results (or exceptions) in order.

    Each thread uses its own database connection, as concurrent requests would.
    """
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except BaseException as error:  # collected and asserted on by the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def manager(db, space):
    person = MemberFactory(username="manon")
    space.managers.add(person)
    return person


@pytest.fixture
def manager_client(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def staff_client(db) -> Client:
    client = Client()
    client.force_login(MemberFactory(username="staffer", is_staff=True))
    return client
