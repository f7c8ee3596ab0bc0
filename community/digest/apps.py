from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigestConfig(AppConfig):
    """The weekly digest: what is new for each member, by email on Monday morning."""

    name = "community.digest"
    label = "digest"
    verbose_name = _("Weekly digest")
