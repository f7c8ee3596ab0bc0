from django.apps import AppConfig
from django.db.backends.signals import connection_created

from community.core.sqlite_wal import on_connection_created


class CoreConfig(AppConfig):
    """Shared plumbing every app uses (errors, rate limits, local days, SQLite tuning); imports no app."""

    name = "community.core"
    label = "core"

    def ready(self) -> None:
        connection_created.connect(on_connection_created, dispatch_uid="community.core.sqlite_wal")
