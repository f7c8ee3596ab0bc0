"""Signals of messaging, for the parts that follow messages without messaging knowing them.

`messages_changed` is sent inside the transaction that stored, edited or deleted messages, with
`message_ids` (a tuple of ids). A receiver that writes (the search index's outbox) writes in that
same transaction, so the change and its follow-up commit together or not at all, and acts only
after the commit. Receivers must be cheap: the chat socket's send path sends it.
"""

from __future__ import annotations

from django.dispatch import Signal

messages_changed = Signal()
