from django.contrib import admin

from community.helpboard.models import HelpMatch, HelpPreferences, HelpReply, HelpRequest, HelpThanks


class HelpMatchInline(admin.TabularInline):
    model = HelpMatch
    extra = 0
    raw_id_fields = ["member"]
    readonly_fields = ["rank", "score", "notified", "created_at"]


class HelpReplyInline(admin.TabularInline):
    model = HelpReply
    extra = 0
    raw_id_fields = ["author"]


class HelpThanksInline(admin.TabularInline):
    model = HelpThanks
    extra = 0
    raw_id_fields = ["helper"]


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "space", "urgency", "status", "created_at"]
    list_filter = ["status", "urgency", "space__region"]
    search_fields = ["title", "description", "author__username", "author__display_name"]
    raw_id_fields = ["author"]
    filter_horizontal = ["skills"]
    date_hierarchy = "created_at"
    inlines = [HelpMatchInline, HelpReplyInline, HelpThanksInline]


@admin.register(HelpPreferences)
class HelpPreferencesAdmin(admin.ModelAdmin):
    list_display = ["member", "mute_help_notifications"]
    raw_id_fields = ["member"]
