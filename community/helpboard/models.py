"""The help board: members ask the community, get matched with who can help, and say thanks.

A request names the canonical skills it needs (taxonomy `Skill`s, typed or inferred from the
text) and keeps whatever nobody foresaw as free text. Matches are computed once, when the
request is posted, and kept: they say who was notified and who the page suggests.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TITLE_MAX_LENGTH = 140
DESCRIPTION_MAX_LENGTH = 4000
REPLY_MAX_LENGTH = 2000


class HelpRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SOLVED = "solved", _("Solved")
        CLOSED = "closed", _("Closed")

    class Urgency(models.TextChoices):
        LOW = "low", _("Whenever someone has time")
        NORMAL = "normal", _("This week")
        URGENT = "urgent", _("Urgent")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="help_requests",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH)
    skills = models.ManyToManyField(
        "profiles.Skill", blank=True, related_name="help_requests", verbose_name=_("skills needed")
    )
    # Skills typed by the author that the taxonomy does not know, kept as they were written.
    free_skills = models.JSONField(_("other skills"), default=list, blank=True)
    # Slugs of the canonical skills the author chose (typed or picked); `skills` adds those the
    # title names. Matching asks the search for members offering one of these.
    chosen_skills = models.JSONField(_("skills chosen"), default=list, blank=True)
    # Empty: the whole network.
    space = models.ForeignKey(
        "community.Space",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="help_requests",
        verbose_name=_("space"),
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # When the matches were computed (None: not yet, e.g. demo data seeded before the index).
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    # Set by the moderators (community.moderation): listed nowhere, its page shown to staff only.
    hidden_by_moderators = models.BooleanField(_("hidden by the moderators"), default=False)

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("help:detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class HelpMatch(models.Model):
    """A member the search suggested for a request, in its order (1 is the best), and why."""

    help_request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="matches")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="help_matches"
    )
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField(default=0.0)
    # Why the search found them, when they were matched: {"skills": [slugs asked that they
    # offer], "languages": [codes asked that they speak], "distance_km": float | None}. Kept as
    # facts, shown in the reader's language.
    reasons = models.JSONField(default=dict, blank=True)
    notified = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["help_request", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["help_request", "member"], name="one_match_per_member_and_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.help_request} → {self.member} (#{self.rank})"


class HelpReply(models.Model):
    """A flat reply under a request; `is_offer` when the member clicked "I can help"."""

    help_request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="help_replies",
        verbose_name=_("author"),
    )
    body = models.TextField(_("reply"), max_length=REPLY_MAX_LENGTH)
    is_offer = models.BooleanField(_("offers help"), default=False)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["help_request", "created_at"])]

    def __str__(self) -> str:
        return f"{self.author} on {self.help_request}"


class HelpThanks(models.Model):
    """The author thanked this member for helping solve the request: the reputation counter."""

    help_request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="thanks")
    helper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="help_thanks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thanks")
        verbose_name_plural = _("thanks")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["help_request", "helper"], name="one_thanks_per_helper_and_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.help_request.author} thanked {self.helper}"


class HelpPreferences(models.Model):
    """Per-member help board settings (kept here so profiles.Member stays the profiles app's)."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="help_preferences", primary_key=True
    )
    mute_help_notifications = models.BooleanField(
        _("mute help notifications"),
        default=False,
        help_text=_("Don't notify me when a new help request matches my skills."),
    )

    class Meta:
        verbose_name = _("help preferences")
        verbose_name_plural = _("help preferences")

    def __str__(self) -> str:
        return f"{self.member}: {'muted' if self.mute_help_notifications else 'notified'}"
