"""The one error type the apps raise when they refuse a request.

Every entry point maps it in one place: the JSON API answers `{"error": code, "detail": detail}`
with `status` (community.api), the chat socket sends an `error` frame with the code
(messaging.consumers), HTML views show the detail as a form error or a message.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal with a stable `code` (clients branch on it) and a `detail` for people (translated).

    `status` is the HTTP status that fits when the refusal reaches the JSON API (400 unless told).
    """

    status = 400

    def __init__(self, code: str, detail: str, *, status: int | None = None) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail
        if status is not None:
            self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.detail!r})"
