from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        # Profiles must not know about chat: the lobby rooms follow a member's spaces through signals.
        from messaging import signal_handlers

        signal_handlers.connect()
        from messaging import personal_data

        personal_data.register()
