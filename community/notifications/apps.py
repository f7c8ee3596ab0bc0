from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """What reaches a member who is not looking: stored notifications, emails, preferences."""

    name = "community.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from community.notifications import personal_data

        personal_data.register()
