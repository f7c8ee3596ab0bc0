"""Notifications stored as facts, each member's delivery preferences, and the email outbox.

A notification is a fact (kind, actor, object, a few parameters), never a sentence: it is put
into words in the reader's language when it is shown (`kinds.render`). An email is written once,
in its recipient's language, into the outbox (`OutgoingEmail`) inside the transaction of what it
tells, and sent by the job queue after commit: a mail server that is down delays it, a worker that
restarts resends it, and its `key` means nothing is ever written (or sent) twice.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What it is about, as "app_label.model" and a primary key: a plain label rather than a
    # content type, so no process holds an id for it in a cache (tests flush content types).
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    # What the wording needs besides the actor: a request's title, an excerpt (content members
    # wrote, shown as written), an event's start.
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # Set for facts that must be told once only (a reminder per seat and day): unique when set.
    key = models.CharField(max_length=200, null=True, blank=True, unique=True, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["recipient", "-created"]),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.kind}"

    @property
    def target(self) -> models.Model | None:
        if not self.target_type or self.target_id is None:
            return None
        return apps.get_model(self.target_type)._default_manager.filter(pk=self.target_id).first()


class Delivery(models.TextChoices):
    IMMEDIATELY = "immediately", _("Right away")
    DIGEST = "digest", _("In the weekly digest")
    NEVER = "never", _("Never")


class NotificationPreference(models.Model):
    """How a member wants one topic delivered by email and push; no row means the topic's default."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    topic = models.CharField(_("topic"), max_length=30)
    delivery = models.CharField(_("delivery"), max_length=12, choices=Delivery.choices)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["member", "topic"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.topic} {self.delivery}"


class OutgoingEmail(models.Model):
    """One email, written in its recipient's language, waiting to be sent or sent."""

    # What the email is about ("notification:12", "missed:<participant>:<last message>", ...).
    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    to = models.EmailField(max_length=254)
    topic = models.CharField(max_length=30)
    language = models.CharField(max_length=10)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField()
    created = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A sender holds the email until then: two workers never send it at the same time.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Not sent and no longer tried: refused MAX_ATTEMPTS times, or its notification was read in
    # the site before it could go (see last_error).
    given_up_at = models.DateTimeField(null=True, blank=True)
    # The notification it tells, if any: read in the site first, the email is not sent.
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at__isnull=True, given_up_at__isnull=True),
                name="outgoing_email_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class PushSubscription(models.Model):
    """One device (a browser on a phone or computer) that allowed this site's notifications.

    `endpoint` is the push service's address for that device; `p256dh` and `auth` are the device's
    keys (base64url), with which each push is encrypted so only the device can read it (RFC 8291).
    A push service that answers 404 or 410 has forgotten the device: the row is removed then.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.CharField(max_length=2000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    user_agent = models.CharField(_("browser's user agent"), max_length=300, blank=True)
    created = models.DateTimeField(_("notifications allowed on"), default=timezone.now)
    last_success = models.DateTimeField(_("last notification delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("device receiving notifications")
        verbose_name_plural = _("devices receiving notifications")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.member}: {self.label}"

    @property
    def label(self) -> str:
        """The device as its member knows it ("Firefox on Android"), from the browser's name."""
        return device_label(self.user_agent)


# Checked in this order: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("Chrome", "Chrome"),
    ("CriOS", "Chrome"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or str(_("A browser"))
