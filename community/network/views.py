"""Home page, the network's spaces, free trials, events, check-ins and the managers' pages.

Thin views: who is asking, parse the input, call one service or selector, render.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.core.csv_export import csv_writer
from community.core.ratelimit import client_ip
from community.core.timeutils import start_of_today
from community.network import ical, selectors, services
from community.network.forms import EventForm, MonthForm, TrialRequestForm
from community.network.models import RSVP, Event, Region, Space, TrialRequest
from messaging.services import space_lobby_url

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


# ---------------------------------------------------------------------------------------------
# Home and spaces
# ---------------------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    context: dict = {"totals": selectors.network_totals()}
    if request.user.is_authenticated:
        space = selectors.member_main_space(member=request.user)
        context.update(
            space=space,
            open_check_in=selectors.open_check_in(member=request.user),
            events=selectors.upcoming_events(space=space)[:5],
            my_rsvps=selectors.member_upcoming_rsvps(member=request.user)[:5],
        )
        if space is not None:
            context.update(
                whos_in=selectors.whos_in_today(space=space, viewer=request.user),
                recent_members=selectors.space_members(space=space, viewer=request.user).exclude(
                    pk=request.user.pk
                )[:8],
            )
    else:
        context.update(events=selectors.upcoming_events()[:3], regions=Region.choices)
    return render(request, "community/home.html", context)


@require_GET
def space_list(request: HttpRequest) -> HttpResponse:
    region = request.GET.get("region", "")
    if region not in Region.values:
        region = ""
    return render(
        request,
        "community/space_list.html",
        {
            "spaces": selectors.spaces_for_list(region=region),
            "totals": selectors.network_totals(),
            "regions": Region.choices,
            "region": region,
        },
    )


@require_GET
def space_detail(request: HttpRequest, slug: str) -> HttpResponse:
    space = get_object_or_404(Space.objects.prefetch_related("plans"), slug=slug)
    members = selectors.space_members(space=space, viewer=request.user)
    return render(
        request,
        "community/space_detail.html",
        {
            "space": space,
            "whos_in": selectors.whos_in_today(space=space, viewer=request.user),
            "members": members[:24],
            "member_total": members.count(),
            "events": selectors.upcoming_events(space=space, include_network=False)[:5],
            "open_check_in": selectors.open_check_in(member=request.user),
            "lobby_url": space_lobby_url(space=space, member=request.user),
            "can_manage": selectors.can_manage_space(request.user, space),
            "my_membership": selectors.member_membership(member=request.user, space=space),
        },
    )


# ---------------------------------------------------------------------------------------------
# Free trials
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def trial_request(request: HttpRequest, slug: str) -> HttpResponse:
    space = get_object_or_404(Space, slug=slug)
    form = TrialRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.trial_request_create(
                space=space,
                name=data["name"],
                email=data["email"],
                date=data["date"],
                message=data["message"],
                ip=client_ip(request),
                language=translation.get_language(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("community:trial_sent", slug=space.slug)
    return render(
        request,
        "community/trial_form.html",
        {"space": space, "form": form, "today": timezone.localdate()},
        status=400 if form.errors else 200,
    )


@require_GET
def trial_sent(request: HttpRequest, slug: str) -> HttpResponse:
    space = get_object_or_404(Space, slug=slug)
    return render(request, "community/trial_sent.html", {"space": space})


# ---------------------------------------------------------------------------------------------
# Check-ins and hours
# ---------------------------------------------------------------------------------------------


@login_required
@require_POST
def check_in(request: HttpRequest, slug: str) -> HttpResponse:
    # Always the logged-in member: nobody checks someone else in.
    space = get_object_or_404(Space, slug=slug)
    services.check_in_start(member=request.user, space=space)
    messages.success(request, _("Welcome to %(space)s! You are checked in.") % {"space": space.name})
    return redirect(_next_or(request, space.get_absolute_url()))


@login_required
@require_POST
def check_out(request: HttpRequest) -> HttpResponse:
    closed = services.check_in_end(member=request.user)
    if closed is None:
        messages.info(request, _("You were not checked in."))
    else:
        messages.success(
            request, _("You are checked out of %(space)s. See you soon!") % {"space": closed.space.name}
        )
    return redirect(_next_or(request, reverse("home")))


@login_required
@require_GET
def my_hours(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = MonthForm(request.GET or None, initial={"month": today.strftime("%Y-%m")})
    year, month = form.year_month(today)
    rows = selectors.member_hours(member=request.user, year=year, month=month)
    return render(
        request,
        "community/my_hours.html",
        {
            "form": form,
            "rows": rows,
            "month_start": dt.date(year, month, 1),
            "month_value": f"{year:04d}-{month:02d}",
            "total_hours": round(sum(row.seconds for row in rows) / 3600, 2),
            "open_check_in": selectors.open_check_in(member=request.user),
        },
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------------------------------------
# Managers
# ---------------------------------------------------------------------------------------------


def _managed_space(request: HttpRequest, slug: str) -> Space:
    space = get_object_or_404(Space, slug=slug)
    if not selectors.can_manage_space(request.user, space):
        raise PermissionDenied(_("Only the managers of this space can see this page."))
    return space


@login_required
@require_GET
def space_manage(request: HttpRequest, slug: str) -> HttpResponse:
    space = _managed_space(request, slug)
    trials = selectors.trial_requests_for_managers(space=space)
    return render(
        request,
        "community/manage.html",
        {
            "space": space,
            "pending": [t for t in trials if t.status == TrialRequest.Status.PENDING],
            "answered": [t for t in trials if t.status != TrialRequest.Status.PENDING],
            "events": selectors.upcoming_events(space=space, include_network=False),
            "whos_in": selectors.whos_in_today(space=space, viewer=request.user),
            "month_value": timezone.localdate().strftime("%Y-%m"),
        },
    )


@login_required
@require_POST
def trial_decide(request: HttpRequest, slug: str, pk: int, decision: str) -> HttpResponse:
    if decision not in ("accept", "decline"):
        raise Http404(_("Unknown decision."))
    space = _managed_space(request, slug)
    trial = get_object_or_404(TrialRequest, pk=pk, space=space)
    try:
        services.trial_request_decide(trial=trial, by=request.user, accept=decision == "accept")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if decision == "accept":
            messages.success(request, _("%(name)s is welcome; we emailed them.") % {"name": trial.name})
        else:
            messages.success(request, _("Declined; we emailed %(name)s.") % {"name": trial.name})
    return redirect("community:space_manage", slug=space.slug)


@login_required
@require_GET
def space_hours_csv(request: HttpRequest, slug: str) -> HttpResponse:
    space = _managed_space(request, slug)
    form = MonthForm(request.GET or None)
    if form.errors:
        return HttpResponseBadRequest(
            " ".join(form.errors["month"]), content_type="text/plain; charset=utf-8"
        )
    year, month = form.year_month(timezone.localdate())
    rows = selectors.space_hours(space=space, year=year, month=month)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{space.slug}-hours-{year:04d}-{month:02d}.csv"'
    writer = csv_writer(response)
    writer.writerow(["month", "username", "name", "email", "visits", "hours"])
    for row in rows:
        writer.writerow(
            [
                f"{year:04d}-{month:02d}",
                row.member.username,
                str(row.member),
                row.member.email,
                row.visits,
                f"{row.hours:.2f}",
            ]
        )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest, slug: str) -> HttpResponse:
    space = _managed_space(request, slug)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(by=request.user, space=space, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The event is published."))
            return redirect(event)
    return render(
        request,
        "community/event_form.html",
        {"space": space, "form": form},
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    events = selectors.upcoming_events()
    space_slug = request.GET.get("space", "")
    space = Space.objects.filter(slug=space_slug).first() if space_slug else None
    if space is not None:
        events = selectors.upcoming_events(space=space)
    elif request.GET.get("scope") == "network":
        events = events.filter(space__isnull=True)
    events = list(events)
    if request.user.is_authenticated:
        mine = dict(
            RSVP.objects.filter(member=request.user, event__in=events).values_list("event_id", "status")
        )
        for event in events:
            event.my_status = mine.get(event.pk, "")
    return render(
        request,
        "community/event_list.html",
        {
            "events": events,
            "space": space,
            "scope": request.GET.get("scope", ""),
            "spaces": Space.objects.order_by("name").only("slug", "name"),
        },
    )


@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        event = selectors.event_for_page(pk=pk, viewer=request.user)
    except Event.DoesNotExist as missing:
        raise Http404(_("No such event.")) from missing
    rsvp = selectors.member_rsvp(event=event, member=request.user)
    return render(
        request,
        "community/event_detail.html",
        {
            "event": event,
            "rsvp": rsvp,
            "position": selectors.waiting_position(rsvp=rsvp) if rsvp else None,
            "attendees": selectors.event_attendees(event=event, viewer=request.user),
            "is_over": event.ends_at < timezone.now(),
            "seats_left": None if event.capacity is None else max(event.capacity - event.going_count, 0),
        },
    )


@login_required
@require_POST
def event_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk)
    action = request.POST.get("action")
    if action == "going":
        try:
            rsvp = services.rsvp_going(event=event, member=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if rsvp.status == RSVP.Status.GOING:
                messages.success(request, _("You are going. See you there!"))
            else:
                messages.info(
                    request,
                    _(
                        "The event is full: you are on the waiting list. We will email you if a seat frees up."
                    ),
                )
    elif action == "cancel":
        services.rsvp_cancel(event=event, member=request.user)
        messages.success(request, _("Cancelled. Thanks for freeing your seat."))
    else:
        return HttpResponseBadRequest(_("Unknown action."), content_type="text/plain; charset=utf-8")
    return redirect(_next_or(request, event.get_absolute_url()))


def _ics_response(body: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@require_GET
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event.objects.select_related("space"), pk=pk, hidden_by_moderators=False)
    body = ical.calendar_bytes(
        [event], url_for=lambda e: request.build_absolute_uri(e.get_absolute_url()), name=event.title
    )
    return _ics_response(body, f"event-{event.pk}.ics", attachment=True)


@require_GET
def events_feed(request: HttpRequest) -> HttpResponse:
    """A subscribable feed: upcoming events plus those of the last 30 days (calendars keep them)."""
    since = start_of_today() - dt.timedelta(days=30)
    events = (
        Event.objects.filter(ends_at__gte=since, hidden_by_moderators=False)
        .select_related("space")
        .order_by("starts_at")
    )
    name = _("Coworking Belgium events")
    space_slug = request.GET.get("space", "")
    if space_slug:
        space = get_object_or_404(Space, slug=space_slug)
        events = events.filter(Q(space=space) | Q(space__isnull=True))
        name = f"{space.name}: {name}"
    body = ical.calendar_bytes(
        events, url_for=lambda e: request.build_absolute_uri(e.get_absolute_url()), name=name
    )
    return _ics_response(body, "coworking-events.ics", attachment=False)
