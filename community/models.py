"""The coworking network: spaces and their plans.

Memberships, trials, events and check-ins build on these (see the community issue).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    BRUSSELS = "brussels", _("Brussels")
    FLANDERS = "flanders", _("Flanders")
    WALLONIA = "wallonia", _("Wallonia")


AMENITY_LABELS = {
    "meeting-rooms": _("Meeting rooms"),
    "kitchen": _("Kitchen"),
    "lounge": _("Lounge"),
    "admin-services": _("Admin services"),
    "printer": _("Printer"),
    "phone-booths": _("Phone booths"),
    "bike-parking": _("Bike parking"),
    "parking": _("Parking"),
    "event-space": _("Event space"),
    "fibre": _("Fibre internet"),
    "lockers": _("Lockers"),
    "showers": _("Showers"),
    "garden": _("Garden"),
    "childcare": _("Childcare"),
    "workshop": _("Workshop"),
}

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Space(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True, max_length=120)
    city = models.CharField(_("city"), max_length=80)
    region = models.CharField(_("region"), max_length=10, choices=Region.choices, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    surface_m2 = models.PositiveIntegerField(_("surface (m²)"), default=0)
    desks = models.PositiveIntegerField(_("desks"), default=0)
    amenities = models.JSONField(_("amenities"), default=list, blank=True)
    # {"mon": ["08:30", "18:30"], ..., "sun": null}
    opening_hours = models.JSONField(_("opening hours"), default=dict, blank=True)
    # One short line in each language: {"en": ..., "fr": ..., "nl": ...}.
    tagline = models.JSONField(_("tagline"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_language = models.CharField(_("description language"), max_length=8, default="fr")
    photo = models.ImageField(_("photo"), upload_to="spaces/", blank=True)
    trial_capacity = models.PositiveIntegerField(_("free trial visitors per day"), default=3)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_spaces", verbose_name=_("managers")
    )

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    def get_absolute_url(self) -> str:
        return reverse("community:space_detail", kwargs={"slug": self.slug})

    @property
    def localized_tagline(self) -> str:
        lang = (translation.get_language() or "en")[:2]
        return self.tagline.get(lang) or self.tagline.get("en", "")

    def amenity_labels(self) -> list[str]:
        return [str(AMENITY_LABELS.get(code, code)) for code in self.amenities]


class Plan(models.Model):
    class Kind(models.TextChoices):
        HOURLY = "hourly", _("By the hour")
        HALF_TIME = "half_time", _("Half time")
        FULL_TIME = "full_time", _("Full time")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="plans")
    kind = models.CharField(_("plan"), max_length=10, choices=Kind.choices)
    price_eur = models.DecimalField(_("price (EUR)"), max_digits=7, decimal_places=2)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        unique_together = [("space", "kind")]
        ordering = ["space", "price_eur"]

    def __str__(self) -> str:
        return f"{self.space.name}: {self.get_kind_display()}"

    @property
    def per_label(self) -> str:
        return str(_("per hour") if self.kind == self.Kind.HOURLY else _("per month"))


class CheckIn(models.Model):
    """A member present at a space: open while `ended_at` is empty (closed at midnight at the latest)."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_ins")
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="check_ins")
    started_at = models.DateTimeField(_("checked in at"), db_index=True)
    ended_at = models.DateTimeField(_("checked out at"), null=True, blank=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-started_at"]
        constraints = [
            # One open check-in per member at a time, whatever the database.
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(ended_at__isnull=True), name="one_open_check_in_per_member"
            )
        ]
        indexes = [models.Index(fields=["space", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.member} @ {self.space}"
