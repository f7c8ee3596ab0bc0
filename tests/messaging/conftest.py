from __future__ import annotations

import pytest

from tests.messaging.sockets import Tab, open_tab


@pytest.fixture
async def tabs():
    """Open chat sockets for members; every one is disconnected after the test."""
    opened: list[Tab] = []

    async def open_for(member) -> Tab:
        tab = await open_tab(member)
        opened.append(tab)
        return tab

    yield open_for
    for tab in opened:
        await tab.close()
