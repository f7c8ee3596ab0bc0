"""Admin for members and the skill taxonomy: search, filters by space/skill/kind, skills inline,
and an action folding duplicate free tags into a canonical skill (services.skill_tags_merge)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from profiles.accounts_forms import AdminLoginForm
from profiles.models import (
    ApiToken,
    Consent,
    Language,
    LegalText,
    Member,
    OfferedSkill,
    Skill,
    SkillCategory,
    SkillTag,
    WantedSkill,
)
from profiles.privacy import member_erase
from profiles.services import skill_ensure_tag, skill_tags_merge


def _count_of(through) -> Coalesce:
    rows = (
        through.objects.filter(tag=OuterRef("pk"))
        .order_by()
        .values("tag")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


class OfferedSkillInline(admin.TabularInline):
    model = OfferedSkill
    fk_name = "content_object"
    autocomplete_fields = ["tag"]
    extra = 1
    verbose_name = _("skill offered")
    verbose_name_plural = _("skills offered")


class WantedSkillInline(OfferedSkillInline):
    model = WantedSkill
    verbose_name = _("skill looked for")
    verbose_name_plural = _("skills looked for")


class OffersSkillFilter(admin.SimpleListFilter):
    title = _("offers skill")
    parameter_name = "offers"

    def lookups(self, request, model_admin):
        return [(skill.slug, skill.label) for skill in Skill.objects.all()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                pk__in=OfferedSkill.objects.filter(tag__skill__slug=self.value()).values("content_object_id")
            )
        return queryset


class WantsSkillFilter(OffersSkillFilter):
    title = _("looks for skill")
    parameter_name = "wants"

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                pk__in=WantedSkill.objects.filter(tag__skill__slug=self.value()).values("content_object_id")
            )
        return queryset


@admin.register(Member)
class MemberAdmin(UserAdmin):
    # Deleting a member here erases them as their own deletion does (messages kept as a former
    # member's, indices and queue cleaned), not by the database's cascade.
    def delete_model(self, request: HttpRequest, obj: Member) -> None:
        member_erase(member=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for member in queryset:
            member_erase(member=member)

    list_display = [
        "username",
        "display_name",
        "kind",
        "home_space",
        "visibility",
        "available",
        "skills",
        "date_joined",
    ]
    list_filter = [
        "kind",
        "visibility",
        "available",
        "home_space__region",
        "home_space",
        OffersSkillFilter,
        WantsSkillFilter,
        "is_staff",
        "is_active",
    ]
    search_fields = ["username", "display_name", "email", "first_name", "last_name", "headline", "profession"]
    list_select_related = ["home_space"]
    autocomplete_fields = ["home_space"]
    filter_horizontal = ["other_spaces", "languages", "groups", "user_permissions"]
    inlines = [OfferedSkillInline, WantedSkillInline]
    ordering = ["-date_joined"]
    show_full_result_count = False  # no COUNT(*) of 100,000 rows on every page
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "display_name",
                    "first_name",
                    "last_name",
                    "email",
                    "headline",
                    "profession",
                    "kind",
                    "bio",
                    "avatar",
                ]
            },
        ),
        (
            _("Helping"),
            {"fields": ["available", "offers_free_advice", "offers_paid_service", "offers_skill_swap"]},
        ),
        (
            _("Spaces and languages"),
            {"fields": ["home_space", "other_spaces", "languages", "preferred_language"]},
        ),
        (_("Links and privacy"), {"fields": ["website", "linkedin", "social_link", "visibility"]}),
        (
            _("Permissions"),
            {
                "classes": ["collapse"],
                "fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["username", "email", "display_name", "password1", "password2"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "offered_items", queryset=OfferedSkill.objects.select_related("tag__skill").order_by("id")
                )
            )
        )

    @admin.display(description=_("offers"))
    def skills(self, member: Member) -> str:
        return ", ".join(tag.label for tag in member.offered_tags)


class CanonicalFilter(admin.SimpleListFilter):
    title = _("kind of tag")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("canonical", _("canonical skill")), ("free", _("free tag"))]

    def queryset(self, request, queryset):
        if self.value() == "canonical":
            return queryset.filter(skill__isnull=False)
        if self.value() == "free":
            return queryset.filter(skill__isnull=True)
        return queryset


class MergeIntoSkillForm(forms.Form):
    skill = forms.ModelChoiceField(label=_("Canonical skill"), queryset=Skill.objects.all())


@admin.register(SkillTag)
class SkillTagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "skill", "offered", "wanted"]
    list_filter = [CanonicalFilter, "skill__category"]
    search_fields = ["name", "slug", "normalized"]
    list_select_related = ["skill"]
    autocomplete_fields = ["skill"]
    readonly_fields = ["normalized"]
    actions = ["merge_into_skill"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SkillTag]:
        return (
            super()
            .get_queryset(request)
            .annotate(offered_count=_count_of(OfferedSkill), wanted_count=_count_of(WantedSkill))
        )

    @admin.display(description=_("offered by"), ordering="offered_count")
    def offered(self, tag: SkillTag) -> int:
        return tag.offered_count

    @admin.display(description=_("wanted by"), ordering="wanted_count")
    def wanted(self, tag: SkillTag) -> int:
        return tag.wanted_count

    @admin.action(description=_("Merge selected free tags into a canonical skill"))
    def merge_into_skill(self, request: HttpRequest, queryset: QuerySet[SkillTag]) -> HttpResponse | None:
        free = [tag for tag in queryset if tag.skill_id is None]
        if not free:
            self.message_user(
                request,
                _("Choose free tags: canonical skills are merged by editing their synonyms."),
                messages.WARNING,
            )
            return None
        form = MergeIntoSkillForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            skill = form.cleaned_data["skill"]
            result = skill_tags_merge(tags=free, skill=skill)
            self.message_user(
                request,
                ngettext(
                    "%(tags)d tag merged into “%(skill)s”: %(moved)d member skill moved, %(dropped)d duplicate dropped.",
                    "%(tags)d tags merged into “%(skill)s”: %(moved)d member skills moved, %(dropped)d duplicates dropped.",
                    result.tags_deleted,
                )
                % {
                    "tags": result.tags_deleted,
                    "skill": skill.label,
                    "moved": result.moved,
                    "dropped": result.duplicates_dropped,
                },
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge free tags into a canonical skill"),
            "tags": free,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "profiles/admin/merge_tags.html", context)


class SkillTagInline(admin.StackedInline):
    model = SkillTag
    fields = ["name", "slug"]
    extra = 0
    can_delete = False


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_fr", "name_nl", "category", "members"]
    list_filter = ["category"]
    search_fields = ["slug", "name_en", "name_fr", "name_nl", "synonyms"]
    list_select_related = ["category"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [SkillTagInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Skill]:
        offered = (
            OfferedSkill.objects.filter(tag__skill=OuterRef("pk"))
            .order_by()
            .values("tag__skill")
            .annotate(n=Count("id"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(offered_count=Coalesce(Subquery(offered, output_field=IntegerField()), 0))
        )

    @admin.display(description=_("offered by"), ordering="offered_count")
    def members(self, skill: Skill) -> int:
        return skill.offered_count

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        skill_ensure_tag(skill=form.instance)  # a new skill gets its tag at once


@admin.register(SkillCategory)
class SkillCategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_fr", "name_nl"]
    search_fields = ["slug", "name_en", "name_fr", "name_nl"]


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["code", "label"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["member", "name", "created"]
    search_fields = ["member__username", "name"]
    raw_id_fields = ["member"]
    readonly_fields = ["created"]


@admin.register(LegalText)
class LegalTextAdmin(admin.ModelAdmin):
    """The terms and the privacy notice, per language. A change that members must accept again is
    a new version (a new row): consents name the version that was read."""

    list_display = ("kind", "version", "language", "title", "published_at")
    list_filter = ("kind", "language")
    ordering = ("kind", "-version", "language")


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("member", "kind", "version", "accepted_at")
    list_filter = ("kind", "version")
    readonly_fields = ("member", "kind", "version", "accepted_at")
    search_fields = ("member__username",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a consent is what a member did, never written for them


# The admin's login is throttled against brute force as the members' is (profiles.login_throttle).
admin.site.login_form = AdminLoginForm
