"""Pages of the notifications app: email and device settings, the one-click unsubscribe from an
email, and what makes the site an installable app that shows notifications (the manifest, the
service worker, the offline page)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

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
    context = {
        "form": form,
        "devices": selectors.push_subscriptions_for(member=request.user),
        "push_config": _push_config(),
    }
    return render(request, "notifications/preferences.html", context, status=status)


def _push_config() -> dict:
    """What push-settings.js needs: the site's key, where to post, and its words."""
    return {
        "publicKey": settings.VAPID_PUBLIC_KEY,
        "subscribeUrl": reverse("api:push_subscriptions"),
        "unsubscribeUrl": reverse("api:push_unsubscribe"),
        "strings": {
            "allow": _("Allow notifications on this device"),
            "stop": _("Stop notifications on this device"),
            "unsupported": _(
                "This browser cannot show the site's notifications. On an iPhone or iPad, add the "
                "site to your home screen first, then open it from there."
            ),
            "denied": _("Notifications are blocked for this site in your browser's settings."),
            "failed": _("That did not work. Please try again."),
            "thisDevice": pgettext("push device", "this device"),
        },
    }


@login_required
@require_POST
def push_device_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.push_subscription_remove(member=request.user, pk=pk)
    except services.NotificationError:
        raise Http404 from None
    messages.success(request, _("That device will not show notifications any more."))
    return redirect("notifications:preferences")


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


# --- the installable app ---------------------------------------------------------------------

SERVICE_WORKER = Path(__file__).resolve().parent / "static" / "notifications" / "sw.js"
SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}

THEME_COLOR = "#0f6e6e"  # the brand colour of community/static/css/site.css
ICONS = [
    ("icon-192.png", "192x192", "any"),
    ("icon-512.png", "512x512", "any"),
    ("icon-maskable-512.png", "512x512", "maskable"),
]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the root so that its scope is the whole site."""
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # Browsers look for a new version on each visit; no cache in between may hold an old one.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest, worded in the reader's language (`?lang=` or the active one)."""
    language = request.GET.get("lang")
    with translation.override(language if language in SUPPORTED_LANGUAGES else translation.get_language()):
        data = {
            # One app whatever the language its manifest was read in.
            "id": "/",
            "name": _("Coworking Belgium"),
            "short_name": pgettext("app name on a home screen", "Coworking"),
            "description": _("Coworking spaces in Belgium: members, messages, the help board and events."),
            "lang": translation.get_language(),
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": THEME_COLOR,
            "icons": [
                {
                    "src": static(f"notifications/icons/{name}"),
                    "sizes": size,
                    "type": "image/png",
                    "purpose": purpose,
                }
                for name, size, purpose in ICONS
            ],
        }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows when a page cannot load offline; one per language (`?lang=`)."""
    language = request.GET.get("lang")
    with translation.override(language if language in SUPPORTED_LANGUAGES else translation.get_language()):
        response = render(request, "notifications/offline.html", {"theme_color": THEME_COLOR})
        response["Content-Language"] = translation.get_language()
    return response
