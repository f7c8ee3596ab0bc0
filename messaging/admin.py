from django.contrib import admin

from messaging.models import (
    Block,
    ChatConnection,
    ChatProcess,
    Conversation,
    Message,
    Participant,
)


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    raw_id_fields = ["member"]
    fields = ["member", "status", "muted", "last_read_id", "joined"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "title", "space", "last_seq", "last_message_at"]
    list_filter = ["kind"]
    search_fields = ["title", "space__name"]
    raw_id_fields = ["space", "created_by"]
    readonly_fields = ["direct_key", "last_seq", "last_message_at"]
    inlines = [ParticipantInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "seq", "sender", "created"]
    search_fields = ["body", "sender__username"]
    raw_id_fields = ["conversation", "sender"]
    # Messages are the members' record: moderators may remove one, not rewrite it.
    readonly_fields = ["conversation", "sender", "body", "client_id", "seq", "created"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["blocker", "blocked", "created"]
    raw_id_fields = ["blocker", "blocked"]


@admin.register(ChatConnection)
class ChatConnectionAdmin(admin.ModelAdmin):
    list_display = ["member", "process", "connected_at"]
    raw_id_fields = ["member"]


@admin.register(ChatProcess)
class ChatProcessAdmin(admin.ModelAdmin):
    list_display = ["name", "seen_at"]
