"""Help board pages: the board, asking, a request with its matches and replies, and the
author's actions (edit, solve and thank, close). Thin: forms parse, services decide."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.helpboard import selectors, services
from community.helpboard.forms import (
    BoardFilterForm,
    ContactForm,
    HelpRequestForm,
    PreferencesForm,
    ReplyForm,
    SolveForm,
    split_skills,
)
from community.helpboard.models import TITLE_MAX_LENGTH, HelpRequest
from community.network.models import Region, Space
from messaging.services import MessagingError
from profiles.models import Member, Skill
from profiles.visibility import member_is_reachable

PAGE_SIZE = 20


def _get_request(pk: int, viewer=None) -> HelpRequest:
    try:
        return selectors.request_detail(pk=pk, viewer=viewer)
    except HelpRequest.DoesNotExist as error:
        raise Http404(_("No such help request.")) from error


def _add_service_error(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict") and all(field in form.fields for field in error.error_dict):
        form.add_error(None, error)
    else:
        form.add_error(None, error.messages)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    filters = BoardFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    status = values.get("status") or HelpRequest.Status.OPEN
    requests = selectors.board_requests(
        status="" if status == "all" else status,
        skill=values.get("skill", ""),
        space=values.get("space", ""),
        region=values.get("region", ""),
        matching_member=request.user if values.get("mine") else None,
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "helpboard/board.html",
        {
            "page": page,
            "filters": values,
            "status": status,
            "query_string": query.urlencode(),
            "skills": Skill.objects.filter(help_requests__status=HelpRequest.Status.OPEN)
            .distinct()
            .order_by("name_en"),
            "spaces": Space.objects.order_by("name"),
            "regions": Region.choices,
            "preferences_form": PreferencesForm(
                initial={
                    "mute_help_notifications": selectors.help_preferences(
                        member=request.user
                    ).mute_help_notifications
                }
            ),
        },
    )


def _form_page(
    request: HttpRequest, form: HelpRequestForm, help_request: HelpRequest | None, status: int = 200
):
    return render(
        request,
        "helpboard/form.html",
        {"form": form, "help_request": help_request, "skill_choices": Skill.objects.order_by("name_en")},
        status=status,
    )


@login_required
def new(request: HttpRequest) -> HttpResponse:
    # ?title= prefills the question (the search page links here when nobody offers what was asked).
    initial = {"space": request.user.home_space_id, "title": request.GET.get("title", "")[:TITLE_MAX_LENGTH]}
    form = HelpRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            help_request = services.help_request_create(
                author=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                skills=form.skill_list(),
                space=form.cleaned_data["space"],
                urgency=form.cleaned_data["urgency"],
            )
        except services.RateLimited as error:
            form.add_error(None, str(error))
            return _form_page(request, form, None, status=429)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Your request is on the board. We told the members who can help."))
            return redirect(help_request)
    return _form_page(request, form, None, status=400 if form.errors else 200)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = _get_request(pk)
    if help_request.author_id != request.user.pk:
        raise PermissionDenied(_("Only the member who asked can change this request."))
    initial = {
        "title": help_request.title,
        "description": help_request.description,
        # What the author chose; the skills the title names are found in it again.
        "skills": ", ".join(
            [s.label for s in Skill.objects.filter(slug__in=help_request.chosen_skills).order_by("name_en")]
            + list(help_request.free_skills)
        ),
        "space": help_request.space_id,
        "urgency": help_request.urgency,
    }
    form = HelpRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.help_request_update(
                help_request=help_request,
                editor=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                skills=split_skills(form.cleaned_data["skills"]),
                space=form.cleaned_data["space"],
                urgency=form.cleaned_data["urgency"],
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Your request is updated."))
            return redirect(help_request)
    return _form_page(request, form, help_request, status=400 if form.errors else 200)


def _detail_page(
    request: HttpRequest, help_request: HelpRequest, *, reply_form=None, solve_form=None, status=200
):
    if help_request.matched_at is None and help_request.is_open:
        # Seeded or imported requests get their matches on first view (nobody is notified).
        services.help_request_match(help_request=help_request)
    is_author = help_request.author_id == request.user.pk
    if solve_form is None and is_author and selectors.solved_prompt_due(help_request=help_request):
        solve_form = SolveForm(helpers=selectors.helpers_to_thank(help_request=help_request))
    return render(
        request,
        "helpboard/detail.html",
        {
            "help_request": help_request,
            "is_author": is_author,
            "matches": selectors.request_matches(help_request=help_request),
            "replies": selectors.request_replies(help_request=help_request),
            "thanked": selectors.request_thanked(help_request=help_request),
            "has_offered": selectors.has_offered(help_request=help_request, member=request.user),
            "reply_form": reply_form or ReplyForm(),
            "solve_form": solve_form,
        },
        status=status,
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _get_request(pk, viewer=request.user))


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = _get_request(pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            created = services.help_reply_create(
                help_request=help_request, author=request.user, body=form.cleaned_data["body"]
            )
        except services.RateLimited as error:
            form.add_error(None, str(error))
            return _detail_page(request, help_request, reply_form=form, status=429)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            return redirect(f"{help_request.get_absolute_url()}#reply-{created.pk}")
    return _detail_page(request, help_request, reply_form=form, status=400)


@login_required
@require_POST
def offer(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = _get_request(pk)
    try:
        created = services.help_offer_create(help_request=help_request, member=request.user)
    except services.RateLimited as error:
        messages.error(request, str(error))
        return _detail_page(request, help_request, status=429)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _detail_page(request, help_request, status=400)
    messages.success(request, _("Thank you! %(name)s knows you can help.") % {"name": help_request.author})
    return redirect(f"{help_request.get_absolute_url()}#reply-{created.pk}")


@login_required
@require_POST
def solve(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = _get_request(pk)
    if help_request.author_id != request.user.pk:
        raise PermissionDenied(_("Only the member who asked can change this request."))
    form = SolveForm(request.POST, helpers=selectors.helpers_to_thank(help_request=help_request))
    if form.is_valid():
        try:
            services.help_request_solve(
                help_request=help_request, by=request.user, helpers=form.cleaned_data["helpers"]
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Solved! Your thanks are on their profiles."))
            return redirect(help_request)
    return _detail_page(request, help_request, solve_form=form, status=400)


def _change_status(request: HttpRequest, pk: int, change, success_message: str) -> HttpResponse:
    """Close or reopen: the service checks who may, the page shows why not."""
    help_request = _get_request(pk)
    try:
        change(help_request=help_request, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _detail_page(request, help_request, status=400)
    messages.success(request, success_message)
    return redirect(help_request)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_status(request, pk, services.help_request_close, _("Your request is closed."))


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_status(request, pk, services.help_request_reopen, _("Your request is open again."))


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST)
    form.is_valid()  # a checkbox: absent means False, nothing can be invalid
    muted = form.cleaned_data.get("mute_help_notifications", False)
    services.help_preferences_set(member=request.user, mute_help_notifications=muted)
    messages.success(
        request,
        _("Help notifications are muted.")
        if muted
        else _("You will be told about requests matching your skills."),
    )
    return redirect("help:board")


@login_required
def contact(request: HttpRequest, pk: int, username: str) -> HttpResponse:
    """ "Send a message" on a request: a direct conversation that opens with a quote of the request."""
    help_request = _get_request(pk)
    recipient = get_object_or_404(Member, username=username, is_active=True)
    showed = recipient.is_hidden and selectors.showed_themselves_on(
        help_request=help_request, member=recipient
    )
    if not member_is_reachable(recipient, viewer=request.user, showed_themselves=showed):
        # A hidden profile is reachable where it showed itself (it asked or replied here), not by
        # guessing its username (the board never suggests one).
        raise Http404(_("No such member."))
    if not services.help_contact_allowed(help_request=help_request, sender=request.user, recipient=recipient):
        if recipient.is_hidden:
            raise Http404(_("No such member."))  # a hidden member's existence is not confirmed
        raise PermissionDenied(
            _("You can write to the author and to the members suggested for this request.")
        )
    link = request.build_absolute_uri(help_request.get_absolute_url())
    form = ContactForm(request.POST or None, initial={"client_id": f"help-{uuid.uuid4().hex}"})
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.help_contact_send(
                help_request=help_request,
                sender=request.user,
                recipient=recipient,
                body=form.cleaned_data["body"],
                link=link,
                client_id=form.cleaned_data["client_id"],
            )
        except ValidationError as error:
            _add_service_error(form, error)
        except MessagingError as error:
            form.add_error(None, str(error.detail))
        else:
            return redirect(conversation.get_absolute_url())
    return render(
        request,
        "helpboard/contact.html",
        {
            "help_request": help_request,
            "recipient": recipient,
            "form": form,
            "quote": services.help_contact_quote(help_request=help_request, link=link),
        },
        status=400 if form.errors else 200,
    )
