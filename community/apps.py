from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Coworking network")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from community.sqlite_wal import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="community.sqlite_wal")
