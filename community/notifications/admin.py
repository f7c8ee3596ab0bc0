from django.contrib import admin

from community.notifications.models import (
    Notification,
    NotificationPreference,
    OutgoingEmail,
    PushSubscription,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "actor", "created", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "actor"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["member", "topic", "delivery", "updated"]
    list_filter = ["topic", "delivery"]
    raw_id_fields = ["member"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """What was emailed to whom, and what still waits (with the last error of a refused one)."""

    list_display = ["to", "subject", "topic", "created", "attempts", "sent_at", "given_up_at"]
    list_filter = ["topic", "sent_at", "given_up_at"]
    search_fields = ["to", "subject", "key"]
    raw_id_fields = ["recipient"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    """Devices that show members' notifications; their keys are the devices' own, never edited."""

    list_display = ["member", "label", "created", "last_success"]
    raw_id_fields = ["member"]
    readonly_fields = ["endpoint", "p256dh", "auth", "user_agent", "created", "last_success"]
