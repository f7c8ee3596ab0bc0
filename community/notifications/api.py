"""Notification settings in the JSON API: `GET` and `PATCH /api/notifications/preferences`, and
the devices that show notifications (web push): `GET /api/notifications/push/key`, `GET` and `POST
/api/notifications/push/subscriptions`, `POST /api/notifications/push/unsubscribe`."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from ninja import Body, Router, Schema

from community.notifications import selectors, services
from community.notifications.kinds import TOPICS

router = Router(tags=["notifications"])


class TopicOut(Schema):
    topic: str
    label: str
    delivery: str
    choices: list[str]


class PreferencesOut(Schema):
    results: list[TopicOut]


def _member(request: HttpRequest):
    return request.auth if getattr(request, "auth", None) is not None else request.user


def _preferences(member) -> dict:
    deliveries = selectors.deliveries_for(member=member)
    return {
        "results": [
            {
                "topic": key,
                "label": str(topic.label),
                "delivery": deliveries[key],
                "choices": list(topic.choices),
            }
            for key, topic in TOPICS.items()
        ]
    }


@router.get("/notifications/preferences", response=PreferencesOut)
def preferences_get(request: HttpRequest):
    """How each topic reaches the member: `immediately`, `digest` or `never`."""
    return _preferences(_member(request))


@router.patch("/notifications/preferences", response=PreferencesOut)
def preferences_update(request: HttpRequest, changes: Body[dict[str, str]]):
    """`{"topic": "delivery", ...}`; an unknown topic or a choice it does not offer is a 400."""
    member = _member(request)
    for topic, delivery in changes.items():
        services.preference_set(member=member, topic=topic, delivery=delivery)
    return _preferences(member)


class PushKeyOut(Schema):
    public_key: str


class PushKeysIn(Schema):
    p256dh: str
    auth: str


class PushSubscriptionIn(Schema):
    """What a browser's `PushSubscription.toJSON()` gives (`expirationTime` is ignored)."""

    endpoint: str
    keys: PushKeysIn


class PushEndpointIn(Schema):
    endpoint: str


class PushSubscriptionOut(Schema):
    id: int
    label: str
    created: datetime
    last_success: datetime | None


class PushSubscriptionsOut(Schema):
    results: list[PushSubscriptionOut]


@router.get("/notifications/push/key", response=PushKeyOut, url_name="push_key")
def push_key(request: HttpRequest):
    """The site's VAPID public key (base64url), the `applicationServerKey` of `pushManager.subscribe`."""
    return {"public_key": settings.VAPID_PUBLIC_KEY}


@router.get("/notifications/push/subscriptions", response=PushSubscriptionsOut, url_name="push_subscriptions")
def push_subscriptions(request: HttpRequest):
    """The member's devices that show notifications."""
    return {"results": list(selectors.push_subscriptions_for(member=_member(request)))}


@router.post(
    "/notifications/push/subscriptions", response={200: PushSubscriptionOut, 201: PushSubscriptionOut}
)
def push_subscribe(request: HttpRequest, subscription: PushSubscriptionIn):
    """This device shows the member's notifications: 201 when new, 200 when it was known (keys
    updated). A push address that is not https, or keys that are not web push keys, are a 400; a
    device that shows another member's notifications is a 409 (subscribe anew, then post that)."""
    saved, created = services.push_subscription_save(
        member=_member(request),
        endpoint=subscription.endpoint,
        p256dh=subscription.keys.p256dh,
        auth=subscription.keys.auth,
        user_agent=request.headers.get("User-Agent", ""),
    )
    return (201 if created else 200), saved


@router.post("/notifications/push/unsubscribe", response={204: None}, url_name="push_unsubscribe")
def push_unsubscribe(request: HttpRequest, device: PushEndpointIn):
    """This device stops showing the member's notifications; 404 if it is not one of theirs."""
    services.push_subscription_remove(member=_member(request), endpoint=device.endpoint)
    return 204, None
