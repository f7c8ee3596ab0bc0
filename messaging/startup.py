"""Process setup for serving chat sockets: called once, explicitly, by the ASGI application.

Importing a module of messaging changes nothing about the process; community/asgi.py calls
`configure()` after Django is set up, before the first socket.
"""

from __future__ import annotations

import sys

# Every ORM call of a socket runs in one database thread that hands the GIL back and forth with
# the event loop at each SQLite call. At the default 5 ms switch interval a busy loop makes each
# handover wait up to 5 ms, so one message (6 statements) could take 30 ms of waiting alone.
SWITCH_INTERVAL_SECONDS = 0.001


def configure() -> None:
    """Make this process ready to serve chat sockets (idempotent)."""
    if sys.getswitchinterval() > SWITCH_INTERVAL_SECONDS:
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
