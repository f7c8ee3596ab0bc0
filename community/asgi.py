"""ASGI entry point: HTTP to Django, WebSockets through origin checks and session auth."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models (the consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from messaging.origin import SameOriginValidator  # noqa: E402
from messaging.routing import websocket_urlpatterns  # noqa: E402
from messaging.startup import configure as configure_messaging  # noqa: E402
from search.services import outbox_retrier_start  # noqa: E402
from search.tasks import index_check_at_startup_in_background  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Startup of a web process, explicitly here rather than as a side effect of an import.
configure_messaging()
outbox_retrier_start()
# A corrupt or empty search index is found now, not by the first member who searches.
index_check_at_startup_in_background()

# Everything loaded so far (Django, the apps, the URL map) lives as long as the process: moved
# out of the garbage collector's sight, full collections no longer walk it each time. With a
# thousand sockets open those collections were pausing the event loop for 100 ms and more.
gc.freeze()
