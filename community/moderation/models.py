"""Reports of members about content, and the moderators' actions on them (the audit trail)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    MESSAGE = "message", _("Message")
    PROFILE = "profile", _("Profile")
    HELP_REQUEST = "help_request", _("Help request")
    EVENT = "event", _("Event")


class Reason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    HARASSMENT = "harassment", _("Harassment or hate")
    INAPPROPRIATE = "inappropriate", _("Inappropriate content")
    IMPERSONATION = "impersonation", _("Fake account or impersonation")
    OTHER = "other", _("Something else")


class Action(models.TextChoices):
    ASSIGN = "assign", _("Assigned")
    DISMISS = "dismiss", _("Dismiss")
    WARN = "warn", _("Warn the author")
    HIDE = "hide", _("Hide the content")
    SUSPEND = "suspend", _("Suspend the account")
    BAN = "ban", _("Ban the account")


class Report(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_made",
        verbose_name=_("reporter"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("item"))
    # Who wrote the content (the profile's own member): whom a warning, suspension or ban concerns.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="reports_about",
        verbose_name=_("author"),
    )
    # What the content said when reported: an edit or a deletion afterwards does not erase the evidence.
    excerpt = models.TextField(_("excerpt"), blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_assigned",
        verbose_name=_("assigned to"),
    )
    resolution = models.CharField(_("resolution"), max_length=10, choices=Action.choices, blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "kind", "object_id"], name="one_report_per_member_and_item"
            )
        ]
        indexes = [models.Index(fields=["state", "-created_at"]), models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.object_id} ({self.get_reason_display()})"


class ModerationAction(models.Model):
    """One line of the audit trail: who did what, when, on what, and why. Never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("moderator"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    report = models.ForeignKey(
        Report, null=True, on_delete=models.SET_NULL, related_name="actions", verbose_name=_("report")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("item"))
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("member"),
    )
    until = models.DateTimeField(_("until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.get_kind_display()} #{self.object_id}"
