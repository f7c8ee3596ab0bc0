"""Web push: a notification shown on a member's devices while the site is closed.

Each push is encrypted for one device with its keys (RFC 8291, aes128gcm) and signed with the
site's VAPID key (RFC 8292) by pywebpush, then posted to the device's push service (RFC 8030),
which hands it to the device's service worker (`static/notifications/sw.js`) to show.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.templatetags.static import static
from django.utils import timezone
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from community.notifications.models import PushSubscription

logger = logging.getLogger(__name__)

# What a push service answers for a device it no longer knows (unsubscribed, expired, reset).
GONE = {404, 410}
ICON = "notifications/icons/icon-192.png"
# Push services take about 4 KB; a title and an excerpt are said in far less.
LONGEST = {"title": 150, "body": 300}


def _shortened(payload: dict) -> dict:
    fitted = {"icon": static(ICON), **payload}
    for key, limit in LONGEST.items():
        value = fitted.get(key)
        if isinstance(value, str) and len(value) > limit:
            fitted[key] = value[: limit - 1].rstrip() + "…"
    return fitted


def push_to_member(member_id: int, payload: dict) -> int:
    """Show `payload` ({title, body, url, tag}) on every device of the member; how many took it.

    Promises: a device its push service says is gone (404, 410) is forgotten; one that took the
    push has `last_success` set; any other failure (refused, unreachable, slow) is logged and the
    device kept for the next push. Never raises: it runs in jobs, never inside a request.
    """
    subscriptions = list(PushSubscription.objects.filter(member_id=member_id))
    if not subscriptions:
        return 0
    try:
        data = json.dumps(_shortened(payload), ensure_ascii=False)
        vapid = Vapid.from_string(settings.VAPID_PRIVATE_KEY)
    except Exception:
        logger.exception("web push: cannot prepare the push for member %s", member_id)
        return 0
    delivered, gone = [], []
    with requests.Session() as session:
        # The address came from a browser: follow no redirect to somewhere else.
        session.max_redirects = 0
        for subscription in subscriptions:
            where = f"device {subscription.pk} at {urlsplit(subscription.endpoint).hostname}"
            try:
                webpush(
                    subscription_info={
                        "endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                    },
                    data=data,
                    vapid_private_key=vapid,
                    # A new dict each time: webpush writes the push service's origin ("aud") in it.
                    vapid_claims={"sub": settings.VAPID_SUBJECT},
                    content_encoding="aes128gcm",
                    ttl=settings.PUSH_TTL,
                    timeout=settings.PUSH_TIMEOUT,
                    requests_session=session,
                )
            except WebPushException as error:
                if error.status_code in GONE:
                    gone.append(subscription.pk)
                else:
                    logger.warning("web push to %s refused: %s", where, error.status_code or error.message)
            except Exception as error:  # unreachable, timed out, a redirect, a key it cannot use
                logger.warning("web push to %s failed: %r", where, error)
            else:
                delivered.append(subscription.pk)
    if gone:
        PushSubscription.objects.filter(pk__in=gone).delete()
    if delivered:
        PushSubscription.objects.filter(pk__in=delivered).update(last_success=timezone.now())
    return len(delivered)
