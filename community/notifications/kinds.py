"""Every kind of notification and every topic a member can set, in one place.

A *topic* is what a member chooses a delivery for (right away, in the weekly digest, never); a
*kind* is one fact of a topic, with its wording. The wording is gettext-lazy and filled when the
notification is shown or emailed, in the reader's language, from the fact's parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from community.notifications.models import Delivery

MESSAGES = "messages"
HELP_MATCHES = "help_matches"
HELP_REPLIES = "help_replies"
MENTIONS = "mentions"
EVENTS = "events"
DIGEST = "digest"


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    default: str
    choices: tuple[str, ...] = (Delivery.IMMEDIATELY, Delivery.DIGEST, Delivery.NEVER)
    # How a choice reads for this topic, where Delivery's own label would not fit.
    choice_labels: tuple[tuple[str, str], ...] = ()

    def label_of(self, choice: str) -> str:
        return dict(self.choice_labels).get(choice) or Delivery(choice).label


TOPICS: dict[str, Topic] = {
    topic.key: topic
    for topic in (
        Topic(MESSAGES, _("Direct messages and message requests I have not read"), Delivery.IMMEDIATELY),
        Topic(HELP_MATCHES, _("Help requests that match my skills"), Delivery.IMMEDIATELY),
        Topic(HELP_REPLIES, _("Replies, offers of help and thanks on the help board"), Delivery.IMMEDIATELY),
        Topic(MENTIONS, _("Mentions of me in a conversation"), Delivery.IMMEDIATELY),
        Topic(EVENTS, _("Event reminders and places from a waiting list"), Delivery.IMMEDIATELY),
        # The digest itself is sent weekly or not at all.
        Topic(
            DIGEST,
            _("The weekly digest"),
            Delivery.DIGEST,
            (Delivery.DIGEST, Delivery.NEVER),
            ((Delivery.DIGEST, _("Every Monday morning")),),
        ),
    )
}


@dataclass(frozen=True)
class Kind:
    topic: str | None  # None: shown in the site only (never emailed)
    title: str  # lazy; %(name)s (the actor) and the fact's params
    action: str = _("Open")
    body: str = ""  # lazy, like the title; empty: the fact's excerpt (content as a member wrote it)


KINDS: dict[str, Kind] = {
    "help_match": Kind(HELP_MATCHES, _("%(name)s could use your help: %(title)s"), _("See the request")),
    "help_reply": Kind(HELP_REPLIES, _("%(name)s replied to your request: %(title)s"), _("Read the answer")),
    "help_offer": Kind(HELP_REPLIES, _("%(name)s offers to help: %(title)s"), _("Read the offer")),
    "help_thanks": Kind(HELP_REPLIES, _("%(name)s thanks you for your help"), _("See the request")),
    "mention": Kind(MENTIONS, _("%(name)s mentioned you in %(title)s"), _("Open the conversation")),
    "event_reminder": Kind(EVENTS, _("Tomorrow: %(title)s"), _("See the event"), _("%(when)s at %(space)s")),
    "event_place": Kind(
        EVENTS,
        _("A place is yours: %(title)s"),
        _("See the event"),
        _("A seat was freed and given to you from the waiting list: %(when)s at %(space)s."),
    ),
    "welcome": Kind(None, _("Welcome to Coworking Belgium! Your space's lobby room is in Messages.")),
    # The body is the moderator's note (the excerpt), in their words.
    "moderation_warning": Kind(
        None, _("A warning from the moderators: please keep to the community's rules."), _("Open")
    ),
    "data_export_ready": Kind(
        None,
        _("Your data is ready to download."),
        _("Download my data"),
        _("The archive can be downloaded for a few days, by you only."),
    ),
}


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    action: str


class _Params(dict):
    """Missing parameters read as empty rather than break a page (an older fact, a renamed key)."""

    def __missing__(self, key: str) -> str:
        return ""


def actor_name(actor) -> str:
    return str(actor) if actor is not None else str(_("A former member"))


def render(notification) -> Rendered:
    """The notification in words, in the active language."""
    params = notification.params or {}
    if "legacy_title" in params:  # written before notifications were stored as facts
        return Rendered(params["legacy_title"], params.get("legacy_body", ""), str(_("Open")))
    kind = KINDS.get(notification.kind)
    if kind is None:
        return Rendered(params.get("title", notification.kind), params.get("excerpt", ""), str(_("Open")))
    values = _Params(params, name=actor_name(notification.actor))
    if starts_at := params.get("starts_at"):
        # Said in the reader's language and the Belgian time: "mardi 8 décembre 2026, 18:30".
        when = timezone.localtime(datetime.fromisoformat(starts_at))
        values["when"] = formats.date_format(when, "l j F Y, H:i")
    body = str(kind.body) % values if kind.body else params.get("excerpt", "")
    return Rendered(str(kind.title) % values, body, str(kind.action))


def topic_of(kind: str) -> str | None:
    known = KINDS.get(kind)
    return known.topic if known else None
