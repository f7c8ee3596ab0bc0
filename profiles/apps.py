from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = _("Members and skills")

    def ready(self) -> None:
        from profiles import signals

        signals.connect()
        from profiles import personal_data

        personal_data.register()
