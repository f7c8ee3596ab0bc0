from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpBoardConfig(AppConfig):
    # The help board lives in the community package but keeps its own migrations.
    name = "community.helpboard"
    label = "helpboard"
    verbose_name = _("Help board")

    def ready(self) -> None:
        from community.helpboard import personal_data

        personal_data.register()
