"""Writes for the help board: requests, matches, replies, offers, thanks and preferences.

Every write validates, runs inside `transaction.atomic` and sends its notifications with
`transaction.on_commit`, so a member is never told about a request that was rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from community.core.errors import ServiceError
from community.core.ratelimit import rate_limit_allow, rate_limit_exceeded
from community.helpboard import matching
from community.helpboard.models import (
    DESCRIPTION_MAX_LENGTH,
    REPLY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    HelpMatch,
    HelpPreferences,
    HelpReply,
    HelpRequest,
    HelpThanks,
)
from community.helpboard.selectors import helpers_to_thank, showed_themselves_on
from community.network.models import Space
from community.notifications.services import notify
from messaging.services import conversation_direct_get_or_create, message_send
from profiles.models import Member, Skill
from profiles.visibility import member_is_reachable

logger = logging.getLogger(__name__)

# A member may post this many requests per window; replies have a looser limit of their own.
POSTS_PER_WINDOW = getattr(settings, "HELPBOARD_POSTS_PER_HOUR", 5)
POST_WINDOW_SECONDS = 3600
REPLIES_PER_WINDOW = getattr(settings, "HELPBOARD_REPLIES_PER_10_MINUTES", 20)
REPLY_WINDOW_SECONDS = 600
MAX_SKILLS = 10
SKILL_MAX_LENGTH = 50

NOTIFY_MATCH = "help_match"
NOTIFY_REPLY = "help_reply"
NOTIFY_THANKS = "help_thanks"
NOTIFY_OFFER = "help_offer"


class RateLimited(ServiceError):
    """Too many posts in a short time; the detail says what to do."""

    def __init__(self, detail: str) -> None:
        super().__init__("rate_limited", detail, status=429)


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------


def _clean_text(value: str, *, field: str, max_length: int, required_message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: required_message}, code="required")
    if len(value) > max_length:
        raise ValidationError(
            {
                field: _("Keep it under %(max)d characters (it has %(count)d).")
                % {"max": max_length, "count": len(value)}
            },
            code="max_length",
        )
    return value


def _clean_skills(skills: Iterable[str]) -> list[str]:
    cleaned = [" ".join(s.split()) for s in skills if s and s.strip()]
    if len(cleaned) > MAX_SKILLS:
        raise ValidationError(
            {"skills": _("Name at most %(max)d skills.") % {"max": MAX_SKILLS}}, code="too_many"
        )
    for skill in cleaned:
        if len(skill) > SKILL_MAX_LENGTH:
            raise ValidationError(
                {"skills": _("A skill name is at most %(max)d characters.") % {"max": SKILL_MAX_LENGTH}},
                code="max_length",
            )
    return cleaned


def _post_key(member: Member) -> str:
    return f"helpboard:post:{member.pk}"


def _apply_fields(
    help_request: HelpRequest, *, title: str, description: str, skills: Iterable[str], urgency: str
) -> list[str]:
    """Validate and set the text fields; return the canonical skill slugs (typed, then inferred)."""
    help_request.title = _clean_text(
        title, field="title", max_length=TITLE_MAX_LENGTH, required_message=_("Give your request a title.")
    )
    help_request.description = _clean_text(
        description,
        field="description",
        max_length=DESCRIPTION_MAX_LENGTH,
        required_message=_("Describe what you need."),
    )
    if urgency not in HelpRequest.Urgency.values:
        raise ValidationError({"urgency": _("Choose how urgent it is.")}, code="invalid_choice")
    help_request.urgency = urgency
    typed_slugs, free = matching.resolve_typed_skills(_clean_skills(skills))
    help_request.free_skills = free
    help_request.chosen_skills = typed_slugs[:MAX_SKILLS]
    # The title says the need in a few words; a description names more skills in passing ("the
    # meeting room" is not a venue request), so its words count for matching, not for the tags.
    inferred = matching.infer_skill_slugs(help_request.title)
    return list(dict.fromkeys([*typed_slugs, *inferred]))[:MAX_SKILLS]


def help_request_create(
    *,
    author: Member,
    title: str,
    description: str,
    skills: Iterable[str] = (),
    space: Space | None = None,
    urgency: str = HelpRequest.Urgency.NORMAL,
) -> HelpRequest:
    """Post a request and match it with the members who can help.

    Skills the taxonomy knows become canonical skills, others stay as free text, and skills
    the text talks about are added. Raises ValidationError for bad input and RateLimited when
    the author posted too often. The matched members are notified after commit (unless they
    muted help notifications).
    """
    if rate_limit_exceeded(_post_key(author), limit=POSTS_PER_WINDOW, window=POST_WINDOW_SECONDS):
        raise RateLimited(_("You posted several requests in a short time. Try again in an hour."))
    help_request = HelpRequest(author=author, space=space)
    slugs = _apply_fields(help_request, title=title, description=description, skills=skills, urgency=urgency)
    # Searching takes a while; do it before the write transaction (SQLite has one writer at a time).
    candidates = _find_candidates(help_request)
    with transaction.atomic():
        help_request.save()
        help_request.skills.set(Skill.objects.filter(slug__in=slugs))
        _store_matches(help_request, candidates, notify=True)
    rate_limit_allow(_post_key(author), limit=POSTS_PER_WINDOW, window=POST_WINDOW_SECONDS)
    return help_request


def _require_author(help_request: HelpRequest, member: Member) -> None:
    if help_request.author_id != member.pk:
        raise PermissionDenied(_("Only the member who asked can change this request."))


def help_request_update(
    *,
    help_request: HelpRequest,
    editor: Member,
    title: str,
    description: str,
    skills: Iterable[str] = (),
    space: Space | None = None,
    urgency: str = HelpRequest.Urgency.NORMAL,
) -> HelpRequest:
    """Edit a request (its author only: PermissionDenied otherwise).

    Matches are computed again; members newly matched are notified, the others are not told twice.
    """
    _require_author(help_request, editor)
    slugs = _apply_fields(help_request, title=title, description=description, skills=skills, urgency=urgency)
    help_request.space = space
    candidates = _find_candidates(help_request)
    with transaction.atomic():
        help_request.save()
        help_request.skills.set(Skill.objects.filter(slug__in=slugs))
        _store_matches(help_request, candidates, notify=help_request.is_open)
    return help_request


def help_request_match(*, help_request: HelpRequest, notify: bool = False) -> list[HelpMatch]:
    """(Re)compute and store the request's matches; by default nobody is notified (demo data, backfills)."""
    candidates = _find_candidates(help_request)
    with transaction.atomic():
        return _store_matches(help_request, candidates, notify=notify)


def _find_candidates(help_request: HelpRequest) -> list[matching.Helper]:
    return matching.find_helpers(
        author=help_request.author,
        query=matching.help_request_query(help_request),
        skills=help_request.chosen_skills,
    )


def _store_matches(
    help_request: HelpRequest, helpers: list[matching.Helper], *, notify: bool
) -> list[HelpMatch]:
    already_notified = set(
        HelpMatch.objects.filter(help_request=help_request, notified=True).values_list("member_id", flat=True)
    )
    HelpMatch.objects.filter(help_request=help_request).delete()
    matches = HelpMatch.objects.bulk_create(
        [
            HelpMatch(
                help_request=help_request,
                member=helper.member,
                rank=rank,
                score=helper.score,
                reasons=helper.reasons,
                notified=helper.member.pk in already_notified,
            )
            for rank, helper in enumerate(helpers, start=1)
        ]
    )
    help_request.matched_at = timezone.now()
    HelpRequest.objects.filter(pk=help_request.pk).update(matched_at=help_request.matched_at)
    if notify:
        to_notify = [h.member for h in helpers if h.member.pk not in already_notified]
        if to_notify:
            transaction.on_commit(lambda: _notify_matches(help_request, to_notify))
    return matches


def _notify_matches(help_request: HelpRequest, members: list[Member]) -> None:
    muted = set(
        HelpPreferences.objects.filter(member__in=members, mute_help_notifications=True).values_list(
            "member_id", flat=True
        )
    )
    notified = []
    for member in members:
        if member.pk in muted:
            continue
        sent = _send_notification(
            recipient=member,
            kind=NOTIFY_MATCH,
            actor=help_request.author,
            target=help_request,
            params={"title": help_request.title, "excerpt": Truncator(help_request.description).chars(200)},
            url=help_request.get_absolute_url(),
        )
        if sent:
            notified.append(member.pk)
    if notified:
        HelpMatch.objects.filter(help_request=help_request, member_id__in=notified).update(notified=True)


def _send_notification(**fact) -> bool:
    """A notification (live on the member's tabs, by email or in the digest per their choice)."""
    try:
        notify(**fact)
    except Exception:
        # The request is committed already; a lost notification must not turn into an error page.
        logger.exception("help notification to %s failed", fact["recipient"].pk)
        return False
    return True


def help_request_close(*, help_request: HelpRequest, by: Member) -> HelpRequest:
    """The author closes the request without a solution (no thanks, no reputation)."""
    _require_author(help_request, by)
    if not help_request.is_open:
        raise ValidationError(_("This request is not open any more."), code="not_open")
    help_request.status = HelpRequest.Status.CLOSED
    help_request.save(update_fields=["status", "updated_at"])
    return help_request


def help_request_reopen(*, help_request: HelpRequest, by: Member) -> HelpRequest:
    """The author opens a closed request again (a solved one keeps its thanks and stays solved)."""
    _require_author(help_request, by)
    if help_request.status != HelpRequest.Status.CLOSED:
        raise ValidationError(_("Only a closed request can be reopened."), code="not_closed")
    help_request.status = HelpRequest.Status.OPEN
    help_request.save(update_fields=["status", "updated_at"])
    return help_request


def help_request_solve(
    *, help_request: HelpRequest, by: Member, helpers: Iterable[Member] = ()
) -> HelpRequest:
    """The author marks the request solved and thanks the members who helped.

    Helpers must be among `selectors.helpers_to_thank` (they replied to the request or offered
    help; being matched is not enough), so thanks cannot be handed to anyone and reputation means
    something: anyone else is a ValidationError on "helpers". Each helper is thanked at most once
    per request and is notified after commit.
    """
    _require_author(help_request, by)
    if not help_request.is_open:
        raise ValidationError(_("This request is not open any more."), code="not_open")
    helpers = list({m.pk: m for m in helpers}.values())
    allowed = set(helpers_to_thank(help_request=help_request).values_list("pk", flat=True))
    strangers = [m for m in helpers if m.pk not in allowed]
    if strangers:
        raise ValidationError(
            {"helpers": _("You can only thank members who replied to this request or offered to help.")},
            code="not_a_helper",
        )
    with transaction.atomic():
        help_request.status = HelpRequest.Status.SOLVED
        help_request.solved_at = timezone.now()
        help_request.save(update_fields=["status", "solved_at", "updated_at"])
        HelpThanks.objects.bulk_create(
            [HelpThanks(help_request=help_request, helper=helper) for helper in helpers],
            ignore_conflicts=True,
        )
        if helpers:
            transaction.on_commit(lambda: _notify_thanks(help_request, helpers))
    return help_request


def _notify_thanks(help_request: HelpRequest, helpers: list[Member]) -> None:
    for helper in helpers:
        _send_notification(
            recipient=helper,
            kind=NOTIFY_THANKS,
            actor=help_request.author,
            target=help_request,
            params={"title": help_request.title, "excerpt": help_request.title},
            url=help_request.get_absolute_url(),
        )


# ---------------------------------------------------------------------------------------------
# Replies and offers
# ---------------------------------------------------------------------------------------------


def _reply_key(member: Member) -> str:
    return f"helpboard:reply:{member.pk}"


def help_reply_create(
    *, help_request: HelpRequest, author: Member, body: str, is_offer: bool = False
) -> HelpReply:
    """A reply on an open request (plain text, rendered escaped). The request's author is notified
    after commit unless they reply themselves. Raises ValidationError / RateLimited."""
    if not help_request.is_open:
        raise ValidationError(_("This request is not open any more."), code="not_open")
    if is_offer and help_request.author_id == author.pk:
        raise ValidationError(_("You cannot offer help on your own request."), code="own_request")
    if is_offer:
        body = (body or "").strip()
        if len(body) > REPLY_MAX_LENGTH:
            raise ValidationError(
                {"body": _("Keep it under %(max)d characters.") % {"max": REPLY_MAX_LENGTH}}
            )
    else:
        body = _clean_text(
            body, field="body", max_length=REPLY_MAX_LENGTH, required_message=_("Write a reply.")
        )
    if rate_limit_exceeded(_reply_key(author), limit=REPLIES_PER_WINDOW, window=REPLY_WINDOW_SECONDS):
        raise RateLimited(_("You replied a lot in a short time. Wait a few minutes."))
    with transaction.atomic():
        reply = HelpReply.objects.create(
            help_request=help_request, author=author, body=body, is_offer=is_offer
        )
        if help_request.author_id != author.pk:
            transaction.on_commit(lambda: _notify_reply(reply))
    rate_limit_allow(_reply_key(author), limit=REPLIES_PER_WINDOW, window=REPLY_WINDOW_SECONDS)
    return reply


def help_offer_create(*, help_request: HelpRequest, member: Member, body: str = "") -> HelpReply:
    """ "I can help" in one click. Idempotent: a member who already offered gets their offer back."""
    existing = HelpReply.objects.filter(help_request=help_request, author=member, is_offer=True).first()
    if existing is not None:
        return existing
    return help_reply_create(help_request=help_request, author=member, body=body, is_offer=True)


def _notify_reply(reply: HelpReply) -> None:
    help_request = reply.help_request
    author = help_request.author
    _send_notification(
        recipient=author,
        kind=NOTIFY_OFFER if reply.is_offer else NOTIFY_REPLY,
        actor=reply.author,
        target=reply,
        params={"title": help_request.title, "excerpt": Truncator(reply.body).chars(200)},
        url=f"{help_request.get_absolute_url()}#reply-{reply.pk}",
    )


# ---------------------------------------------------------------------------------------------
# Preferences and contact
# ---------------------------------------------------------------------------------------------


def help_preferences_set(*, member: Member, mute_help_notifications: bool) -> HelpPreferences:
    """Save whether the member is told about new requests matching their skills."""
    preferences, _created = HelpPreferences.objects.update_or_create(
        member=member, defaults={"mute_help_notifications": mute_help_notifications}
    )
    return preferences


CONTACT_BODY_MAX_LENGTH = 3000


def help_contact_allowed(*, help_request: HelpRequest, sender: Member, recipient: Member) -> bool:
    """Whom the board lets a member write to about a request: the author may write to any member
    the directory shows; others to the author, the members matched with it and those who replied.
    Never to oneself, nor to a hidden member who did not show up on the request."""
    if sender.pk == recipient.pk:
        return False
    showed = showed_themselves_on(help_request=help_request, member=recipient)  # asked or replied
    if not member_is_reachable(recipient, viewer=sender, showed_themselves=showed):
        return False
    if showed or help_request.author_id == sender.pk:
        return True
    return HelpMatch.objects.filter(help_request=help_request, member=recipient).exists()


def help_contact_quote(*, help_request: HelpRequest, link: str) -> str:
    """The lines that open a message about a request, in the active language."""
    return _("About the help request “%(title)s”: %(link)s") % {"title": help_request.title, "link": link}


def help_contact_send(
    *, help_request: HelpRequest, sender: Member, recipient: Member, body: str, link: str, client_id: str
):
    """Open (or reuse) the direct conversation with `recipient` and send a message quoting the request.

    Idempotent by `client_id` (a resubmitted form sends nothing twice). Raises PermissionDenied
    when the board does not offer this contact, ValidationError for an empty or oversized text,
    and messaging's MessagingError when the chat refuses (blocked, rate limited).
    """
    if not help_contact_allowed(help_request=help_request, sender=sender, recipient=recipient):
        raise PermissionDenied(
            _("You can write to the author and to the members suggested for this request.")
        )
    body = _clean_text(
        body, field="body", max_length=CONTACT_BODY_MAX_LENGTH, required_message=_("Write a few words first.")
    )
    conversation = conversation_direct_get_or_create(member=sender, other=recipient)
    message_send(
        sender=sender,
        conversation=conversation,
        body=f"{help_contact_quote(help_request=help_request, link=link)}\n\n{body}",
        client_id=client_id,
    )
    return conversation
