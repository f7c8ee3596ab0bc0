from __future__ import annotations

from django.contrib import admin

from community.moderation.models import ModerationAction, Report


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit trail is evidence: the admin shows it and never changes it."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action", "kind", "object_id", "target", "until")
    list_filter = ("action", "kind")
    search_fields = ("actor__username", "target__username", "note")
    date_hierarchy = "created_at"


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Reports change through the moderation queue (so that the trail records it), not here."""

    list_display = ("created_at", "kind", "object_id", "reason", "reporter", "author", "state", "assignee")
    list_filter = ("state", "kind", "reason")
