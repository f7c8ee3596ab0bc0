"""Pages of the notifications app: email settings, and the one-click unsubscribe from an email."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from community.notifications import selectors, services
from community.notifications.forms import PreferencesForm
from community.notifications.kinds import TOPICS
from community.notifications.tokens import read_unsubscribe_token


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    deliveries = selectors.deliveries_for(member=request.user)
    form = PreferencesForm(request.POST or None, deliveries=deliveries)
    if request.method == "POST" and form.is_valid():
        for topic, delivery in form.cleaned_data.items():
            if deliveries[topic] != delivery:
                services.preference_set(member=request.user, topic=topic, delivery=delivery)
        messages.success(request, _("Your email settings are saved."))
        return redirect("notifications:preferences")
    status = 400 if form.is_bound else 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)


@csrf_exempt  # the signed token is the credential: a mail client posts it with no session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with one button (link scanners must not unsubscribe anyone). POST: done."""
    found = read_unsubscribe_token(token)
    if found is None or found[1] not in TOPICS:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    member_id, topic = found
    done = False
    if request.method == "POST":
        done = services.unsubscribe(member_id=member_id, topic=topic)
        if not done:
            return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    return render(request, "notifications/unsubscribe.html", {"topic": TOPICS[topic], "done": done})
