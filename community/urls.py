from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve

from community.api import api
from community.handlers import not_found as handler404  # noqa: F401  JSON 404 under /api/
from community.handlers import server_error as handler500  # noqa: F401  JSON 500 under /api/
from community.network import views
from community.notifications import views as notification_views
from profiles.i18n import set_language

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("community.network.urls")),
    # The installable app: at the root, so the service worker's scope is the whole site.
    path("manifest.webmanifest", notification_views.manifest, name="manifest"),
    path("sw.js", notification_views.service_worker, name="service-worker"),
    path("offline/", notification_views.offline, name="offline"),
    path("accounts/", include("profiles.accounts_urls")),
    path("members/", include("profiles.urls")),
    path("search/", include("search.urls")),
    path("messages/", include("messaging.urls")),
    path("help/", include("community.helpboard.urls")),
    path("notifications/", include("community.notifications.urls")),
    path("moderation/", include("community.moderation.urls")),
    path("api/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/js/", cache_page(3600)(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    # Member uploads (avatars, space photos); a production setup may serve these from a proxy.
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]
