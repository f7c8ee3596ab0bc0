"""Signals of the notifications app, for the apps above it.

`notification_stored(notification)`: sent inside the transaction that stored it; messaging puts
it on the recipient's open tabs (after commit) and pushes it to their devices when none is open.
"""

from django.dispatch import Signal

notification_stored = Signal()
