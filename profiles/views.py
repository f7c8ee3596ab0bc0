"""The member directory, profile pages and the profile editor: thin, the work is in selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from community.network.selectors import region_space_ids, space_member_set
from profiles.forms import DirectoryFilterForm, ProfileForm
from profiles.models import Member
from profiles.selectors import (
    BadCursor,
    complementary_members,
    directory_members,
    directory_page,
    member_exists_for_login,
    member_profile,
    resolve_skill_filters,
    skill_matches,
    skill_suggestions,
)
from profiles.services import member_update_profile
from profiles.templatetags.profiles_tags import chip_links
from search.selectors import read_text_for_listing


def message_url(username: str) -> str:
    """The messaging app's "open a conversation with" page (its own name once it exists)."""
    try:
        return reverse("messaging:with_member", kwargs={"username": username})
    except NoReverseMatch:
        return f"/messages/with/{username}/"


def _search_filters(filters: dict, skills: list) -> dict:
    """The directory's valid filters in the search app's terms, so its top matches are within them."""
    return {
        "skill": [tag.skill.slug if tag.skill_id else tag.slug for tag in skills],
        "space": filters["space"] or [],
        "region": filters["region"] or [],
        "language": filters["language"] or [],
        "available": filters["available"],
    }


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET)
    filters = form.filters()
    notices = form.ignored()
    chosen = resolve_skill_filters(filters.pop("skills"))
    notices += [
        _("No skill called “%(skill)s”: that filter was left out.") % {"skill": value}
        for value in chosen.unknown
    ]
    listing = {name: filters[name] for name in ("language", "available", "sort")}
    if filters["space"]:
        listing["space"] = space_member_set(slug=filters["space"])
    if filters["region"]:
        listing["home_spaces"] = region_space_ids(region=filters["region"])
    skills = list(chosen.tags)
    if filters["q"]:
        # Free text is read by the search app (skills in three languages, typos); the
        # directory lists what it found with its own filters, cards and pages.
        reading = read_text_for_listing(
            query=filters["q"], searcher=request.user, filters=_search_filters(filters, chosen.tags)
        )
        if reading.skill:
            skills.append(reading.skill)
        else:
            listing["text_matches"] = reading.member_ids
    members = directory_members(viewer=request.user, skills=skills, **listing)
    counting = directory_members(viewer=request.user, skills=skills, for_count=True, **listing)
    try:
        page = directory_page(members, cursor=form.cleaned_data.get("cursor") or "", count_queryset=counting)
    except BadCursor:
        notices.append(_("That page link is not valid any more: here is the first page."))
        page = directory_page(members, count_queryset=counting)
    context = {
        "form": form,
        "page": page,
        "chosen_skills": chosen.tags,
        "notices": notices,
        "filters": filters,
        "has_filters": any(filters[k] for k in ("q", "space", "region", "language", "available"))
        or chosen.tags,
        "chip_links": chip_links(query=request.GET, chosen=chosen.chosen),
    }
    template = (
        "profiles/_directory_results.html" if request.headers.get("HX-Request") else "profiles/directory.html"
    )
    return render(request, template, context)


@require_GET
def detail(request: HttpRequest, username: str) -> HttpResponse:
    member = member_profile(username=username, viewer=request.user)
    if member is None:
        if not request.user.is_authenticated and member_exists_for_login(username=username):
            return redirect_to_login(request.get_full_path())
        raise Http404(_("No such member."))
    is_self = request.user.is_authenticated and request.user.pk == member.pk
    context = {
        "member": member,
        "is_self": is_self,
        "message_url": message_url(member.username),
        "complements": complementary_members(member=member, viewer=request.user) if is_self else None,
        "matches": skill_matches(viewer=request.user, member=member)
        if request.user.is_authenticated and not is_self
        else None,
    }
    return render(request, "profiles/detail.html", context)


@login_required
def edit(request: HttpRequest) -> HttpResponse:
    # A fresh copy: a rejected form must not leak its values into request.user (the header shows it).
    member = Member.objects.get(pk=request.user.pk)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            member_update_profile(member=member, **form.profile_changes())
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect(member.get_absolute_url())
    return render(request, "profiles/edit.html", {"form": form, "member": member})


@require_GET
def skill_suggest(request: HttpRequest) -> JsonResponse:
    """`?prefix=tra` -> {"results": [{"name", "slug", "count"}]} for the edit form's autocomplete."""
    prefix = request.GET.get("prefix", "")[:50]
    return JsonResponse({"results": skill_suggestions(prefix=prefix)})
