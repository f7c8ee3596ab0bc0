"""Admin for the network: spaces and plans, memberships, trial requests, events and RSVPs, check-ins.

Accepting or declining a trial request goes through the same service as the manager page, so
the visitor is emailed either way.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.network import services
from community.network.models import RSVP, CheckIn, Event, Membership, Plan, Space, TrialRequest


class PlanInline(admin.TabularInline):
    model = Plan
    extra = 0


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "region", "surface_m2", "desks", "trial_capacity"]
    list_filter = ["region"]
    search_fields = ["name", "city", "address"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["managers"]
    inlines = [PlanInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["member", "space", "plan", "started_on", "is_active"]
    list_filter = ["is_active", "space__region", "space"]
    search_fields = ["member__username", "member__display_name", "space__name"]
    raw_id_fields = ["member"]
    list_select_related = ["member", "space", "plan"]


def _decide(modeladmin, request, queryset, *, accept: bool) -> None:
    done = 0
    for trial in queryset.select_related("space"):
        try:
            services.trial_request_decide(trial=trial, by=request.user, accept=accept)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            modeladmin.message_user(
                request, f"{trial}: {' '.join(getattr(error, 'messages', [str(error)]))}", messages.WARNING
            )
    if done:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d request answered; the visitor was emailed.",
                "%(count)d requests answered; the visitors were emailed.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )


@admin.register(TrialRequest)
class TrialRequestAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "space", "date", "status", "created_at"]
    list_filter = ["status", "space__region", "space"]
    search_fields = ["name", "email", "space__name"]
    date_hierarchy = "date"
    readonly_fields = ["status", "created_at", "decided_at", "decided_by", "language"]
    list_select_related = ["space"]
    actions = ["accept", "decline"]

    @admin.action(description=_("Accept the selected requests (emails the visitors)"))
    def accept(self, request, queryset):
        _decide(self, request, queryset, accept=True)

    @admin.action(description=_("Decline the selected requests (emails the visitors)"))
    def decline(self, request, queryset):
        _decide(self, request, queryset, accept=False)


class RSVPInline(admin.TabularInline):
    model = RSVP
    extra = 0
    raw_id_fields = ["member"]
    readonly_fields = ["requested_at"]
    ordering = ["status", "requested_at"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "space", "starts_at", "ends_at", "capacity"]
    list_filter = ["space__region", "space"]
    search_fields = ["title", "description", "place"]
    date_hierarchy = "starts_at"
    inlines = [RSVPInline]
    list_select_related = ["space"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A larger capacity (or an RSVP removed here) frees seats for the waiting list.
        services.event_fill_free_seats(event=form.instance)


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["member", "space", "started_at", "ended_at"]
    list_filter = ["space__region", "space"]
    search_fields = ["member__username", "member__display_name", "space__name"]
    date_hierarchy = "started_at"
    raw_id_fields = ["member"]
    list_select_related = ["member", "space"]
