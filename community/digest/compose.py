"""A digest in words: the one email shape (`notifications.email.Email`), in the active language.

`email.write` calls `email_for` in the recipient's language. Each item says which section it
belongs to, so the plain-text and HTML versions read the same without headings.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from community.digest.selectors import Digest, Offer
from community.helpboard.models import HelpRequest
from community.network.models import Event
from community.notifications.email import Email, Item, absolute
from community.notifications.kinds import render
from community.notifications.models import Notification


def _joined(parts: list[str]) -> str:
    return " · ".join(part for part in parts if part)


def _link(obj) -> str:
    """The object's page as an email link. A batch shares one instance of each new member,
    request and event among its readers: the link is worked out once, on the instance."""
    link = getattr(obj, "_digest_link", None)
    if link is None:
        link = obj._digest_link = absolute(obj.get_absolute_url())
    return link


def _offer_item(offer: Offer) -> Item:
    member = offer.member
    skills = ", ".join(tag.label for tag in offer.skills)
    space = member.home_space.name if member.home_space_id else ""
    return Item(
        title=str(member),
        text=_joined([_("New member, offers %(skills)s") % {"skills": skills}, space]),
        url=_link(member),
    )


def _request_item(help_request: HelpRequest) -> Item:
    skills = ", ".join(skill.label for skill in help_request.skills.all())
    where = help_request.space.name if help_request.space_id else _("the whole network")
    text = _("Help request: %(skills)s") % {"skills": skills} if skills else _("Help request")
    return Item(title=help_request.title, text=_joined([text, where]), url=_link(help_request))


def _event_item(event: Event) -> Item:
    # Translators: a date format (https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#date).
    when = formats.date_format(timezone.localtime(event.starts_at), pgettext("digest event", "l j F, H:i"))
    where = event.space.name if event.space_id else (event.place or _("the whole network"))
    return Item(title=event.title, text=_joined([when, where]), url=_link(event))


def _notification_item(notification: Notification) -> Item:
    words = render(notification)
    return Item(
        title=words.title,
        text=words.body,
        url=absolute(notification.url or reverse("messaging:notifications")),
    )


def email_for(digest: Digest) -> Email:
    """The digest as an email, worded in the active language."""
    paragraphs: list[str] = []
    items: list[Item] = []
    if digest.offers_total:
        count = digest.offers_total
        paragraphs.append(
            ngettext(
                "%(count)s new member offers a skill you are looking for.",
                "%(count)s new members offer a skill you are looking for.",
                count,
            )
            % {"count": count}
        )
        items += [_offer_item(offer) for offer in digest.offers]
    if digest.requests_total:
        count = digest.requests_total
        paragraphs.append(
            ngettext(
                "%(count)s new help request asks for a skill you offer.",
                "%(count)s new help requests ask for a skill you offer.",
                count,
            )
            % {"count": count}
        )
        items += [_request_item(help_request) for help_request in digest.requests]
    if digest.events_total:
        count = digest.events_total
        paragraphs.append(
            ngettext(
                "%(count)s event in your spaces in the coming week.",
                "%(count)s events in your spaces in the coming week.",
                count,
            )
            % {"count": count}
        )
        items += [_event_item(event) for event in digest.events]
    if digest.notifications_total:
        count = digest.notifications_total
        paragraphs.append(
            ngettext(
                "%(count)s notification you chose to receive in the digest.",
                "%(count)s notifications you chose to receive in the digest.",
                count,
            )
            % {"count": count}
        )
        items += [_notification_item(notification) for notification in digest.notifications]
    return Email(
        subject=_("Your week at Coworking Belgium"),
        paragraphs=paragraphs,
        items=items,
        action_label=_("See what is new"),
        action_url=absolute(reverse("home")),
    )
