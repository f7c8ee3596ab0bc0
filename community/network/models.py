"""The coworking network: spaces and their plans, memberships, free trial requests, events with
their RSVPs, and check-ins ("who's in today")."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from community.core.text import validate_single_line


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


def timezone_today():
    """Today in the site's time zone (Europe/Brussels), not in UTC."""
    return timezone.localdate()


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

    def hours_on(self, day) -> tuple[str, str] | None:
        """Opening and closing time on that date, or None when the space is closed that weekday."""
        hours = (self.opening_hours or {}).get(WEEKDAYS[day.weekday()])
        if not hours or len(hours) != 2:
            return None
        return hours[0], hours[1]

    def is_open_on(self, day) -> bool:
        return self.hours_on(day) is not None

    def open_days(self) -> list[tuple[str, tuple[str, str]]]:
        """Only the days the space opens, with their hours (for one-line summaries)."""
        return [(day, hours) for day, hours in self.opening_hours_rows() if hours]

    def opening_hours_rows(self) -> list[tuple[str, tuple[str, str] | None]]:
        """(weekday name in the active language, hours or None) from Monday to Sunday."""
        from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES

        rows = []
        for index, code in enumerate(WEEKDAYS):
            hours = (self.opening_hours or {}).get(code)
            rows.append((str(WEEKDAY_NAMES[index]), tuple(hours) if hours and len(hours) == 2 else None))
        return rows


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
                fields=["member"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_check_in_per_member",
            )
        ]
        indexes = [models.Index(fields=["space", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.member} @ {self.space}"


class Membership(models.Model):
    """A member belongs to a space on a plan (one membership per member and space)."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="memberships")
    plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        verbose_name=_("plan"),
    )
    started_on = models.DateField(_("member since"), default=timezone_today)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["space", "-started_on"]
        constraints = [
            models.UniqueConstraint(fields=["member", "space"], name="one_membership_per_member_and_space")
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.space.name}"

    def clean(self) -> None:
        if self.plan_id and self.space_id and self.plan.space_id != self.space_id:
            raise ValidationError({"plan": _("This plan belongs to another space.")})


class TrialRequest(models.Model):
    """A visitor (no account needed) asks for a free trial day at a space."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    space = models.ForeignKey(
        Space, on_delete=models.CASCADE, related_name="trial_requests", verbose_name=_("space")
    )
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email"))
    date = models.DateField(_("day"))
    message = models.TextField(_("message"), max_length=1000, blank=True)
    # The visitor's language, so the answer comes back in it.
    language = models.CharField(_("language"), max_length=8, default="en")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("free trial request")
        verbose_name_plural = _("free trial requests")
        ordering = ["date", "created_at"]
        indexes = [models.Index(fields=["space", "date", "status"])]

    def __str__(self) -> str:
        return f"{self.name} · {self.space.name} · {self.date}"


class Event(models.Model):
    """An event at a space, or of the whole network when `space` is empty."""

    space = models.ForeignKey(
        Space,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("space"),
        help_text=_("Leave empty for an event of the whole network."),
    )
    # One line: calendars (iCalendar SUMMARY, LOCATION) and page titles have no room for breaks.
    title = models.CharField(_("title"), max_length=160, validators=[validate_single_line])
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    place = models.CharField(_("place"), max_length=200, blank=True, validators=[validate_single_line])
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the moderators (community.moderation): listed nowhere, its page shown to staff only.
    hidden_by_moderators = models.BooleanField(_("hidden by the moderators"), default=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:event_detail", kwargs={"pk": self.pk})

    @property
    def is_network_wide(self) -> bool:
        return self.space_id is None

    @property
    def spans_days(self) -> bool:
        return timezone.localdate(self.starts_at) != timezone.localdate(self.ends_at)

    @property
    def where(self) -> str:
        if self.place:
            return self.place
        if self.space_id:
            return f"{self.space.name}, {self.space.address}".strip(", ")
        return ""


class RSVP(models.Model):
    """A member's answer to an event: going, on the waiting list, or cancelled."""

    class Status(models.TextChoices):
        GOING = "going", _("Going")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # When the member last asked for a seat: the waiting list is served in this order.
    requested_at = models.DateTimeField(_("asked at"))

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="one_rsvp_per_member_and_event")
        ]
        indexes = [models.Index(fields=["event", "status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.member} → {self.event}: {self.get_status_display()}"
