from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    """The coworking network: spaces, plans, memberships, free trials, events, check-ins.

    The label stays "community": the tables, migrations and permissions keep their names.
    """

    name = "community.network"
    label = "community"
    verbose_name = _("Coworking network")

    def ready(self) -> None:
        # What the network holds about a member, for the export and the erasure (issue #18).
        from community.network import personal_data

        personal_data.register()
