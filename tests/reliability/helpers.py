"""Small helpers for tests that run servers: ORM work from inside an event loop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def in_thread(function: Callable[[], T]) -> T:
    """Run ORM code in a thread of its own (as another process would), closing its connection."""
    from django.db import connection

    result: list = []
    errors: list = []

    def target() -> None:
        try:
            result.append(function())
        except BaseException as error:  # re-raised in the caller
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


class RecordingChatClient:
    """tests.messaging.live_client.LiveChatClient (a chat.js-like client over a real WebSocket)
    that also keeps every frame in order, so a test can wait for a frame after a given point."""

    def __new__(cls, **kwargs):
        from tests.messaging.live_client import LiveChatClient

        class Recording(LiveChatClient):
            def __init__(self, **kw) -> None:
                super().__init__(**kw)
                self.seen: list[dict] = []

            def _handle(self, frame: dict) -> None:
                self.seen.append(frame)
                super()._handle(frame)

            async def next_frame(self, predicate, *, since: int, timeout: float = 15.0) -> dict:
                import asyncio

                end = asyncio.get_running_loop().time() + timeout
                while True:
                    for frame in self.seen[since:]:
                        if predicate(frame):
                            return frame
                    if asyncio.get_running_loop().time() > end:
                        raise AssertionError(
                            f"{self.name}: no matching frame; last: {self.seen[since:][-5:]}"
                        )
                    await asyncio.sleep(0.05)

        return Recording(**kwargs)
