"""Reporting content and acting on reports. Every moderator's act is a line of the audit trail."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.core.errors import ServiceError
from community.helpboard import selectors as helpboard_selectors
from community.helpboard.models import HelpRequest
from community.moderation.models import Action, Kind, ModerationAction, Reason, Report
from community.moderation.selectors import can_moderate
from community.network import selectors as network_selectors
from community.network.models import Event
from community.notifications.services import notify
from messaging import selectors as messaging_selectors
from messaging import services as messaging_services
from profiles.models import Member
from profiles.visibility import member_is_visible

NOTE_MAX_LENGTH = 2000
EXCERPT_LENGTH = 500
RESOLUTIONS = (Action.DISMISS, Action.WARN, Action.HIDE, Action.SUSPEND, Action.BAN)


class ModerationError(ServiceError):
    """The moderation refuses: `code` for clients, `detail` for people."""


def _not_found() -> ModerationError:
    # One answer whether the item exists or is out of the reporter's sight: nothing leaks.
    return ModerationError("not_found", _("There is nothing to report here."), status=404)


def _reported_item(*, reporter: Member, kind: str, object_id: int) -> tuple[Member | None, str]:
    """The author of the item the reporter can see, and what it says (raises not_found)."""
    if kind == Kind.MESSAGE:
        message = (
            messaging_selectors.readable_messages(member=reporter)
            .select_related("sender")
            .filter(id=object_id, deleted_at__isnull=True)
            .first()
        )
        if message is None:
            raise _not_found()
        return message.sender, message.body
    if kind == Kind.PROFILE:
        member = Member.objects.filter(id=object_id).first()
        if member is None or not member_is_visible(member, viewer=reporter):
            raise _not_found()
        return member, f"{member.display_name}\n{member.headline}\n{member.bio}".strip()
    if kind == Kind.HELP_REQUEST:
        try:
            help_request = helpboard_selectors.request_detail(pk=object_id, viewer=reporter)
        except HelpRequest.DoesNotExist:
            raise _not_found() from None
        return help_request.author, f"{help_request.title}\n{help_request.description}"
    if kind == Kind.EVENT:
        try:
            event = network_selectors.event_for_page(pk=object_id, viewer=reporter)
        except Event.DoesNotExist:
            raise _not_found() from None
        return event.created_by, f"{event.title}\n{event.description}"
    raise ModerationError("invalid_kind", _("Unknown kind of item."))


def report_create(*, reporter: Member, kind: str, object_id: int, reason: str, note: str = "") -> Report:
    """A member reports an item they can see: one report per member and item (reporting again
    updates the reason and note, and opens it again if it was resolved).

    Refusals: invalid_kind, invalid_reason, note_too_long, own_content (400); not_found (404).
    """
    if kind not in Kind.values:
        raise ModerationError("invalid_kind", _("Unknown kind of item."))
    if reason not in Reason.values:
        raise ModerationError("invalid_reason", _("Choose a reason from the list."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ModerationError(
            "note_too_long", _("A note has at most %(count)d characters.") % {"count": NOTE_MAX_LENGTH}
        )
    if not isinstance(object_id, int) or isinstance(object_id, bool) or not 0 < object_id < 2**62:
        raise _not_found()
    author, excerpt = _reported_item(reporter=reporter, kind=kind, object_id=object_id)
    if author is not None and author.pk == reporter.pk:
        raise ModerationError("own_content", _("You cannot report your own content."))
    with transaction.atomic():
        report, created = Report.objects.get_or_create(
            reporter=reporter,
            kind=kind,
            object_id=object_id,
            defaults={"reason": reason, "note": note, "author": author, "excerpt": excerpt[:EXCERPT_LENGTH]},
        )
        if not created:
            report.reason, report.note = reason, note
            report.state, report.resolution, report.resolved_at = Report.State.OPEN, "", None
            report.save(update_fields=["reason", "note", "state", "resolution", "resolved_at", "updated_at"])
    return report


def _check_moderator(moderator: Member, report: Report) -> None:
    if not can_moderate(moderator, report):
        raise ModerationError("forbidden", _("You do not moderate this report."), status=403)


def report_assign(*, report: Report, moderator: Member) -> Report:
    """The moderator takes the report (recorded in the audit trail). Refusals: forbidden (403)."""
    _check_moderator(moderator, report)
    with transaction.atomic():
        report.assignee = moderator
        report.save(update_fields=["assignee", "updated_at"])
        ModerationAction.objects.create(
            actor=moderator,
            action=Action.ASSIGN,
            report=report,
            kind=report.kind,
            object_id=report.object_id,
            target=report.author,
        )
    return report


def _hide(report: Report) -> None:
    if report.kind == Kind.MESSAGE:
        try:
            messaging_services.message_remove(message_id=report.object_id)
        except messaging_services.MessagingError:
            pass  # gone already (deleted with its conversation): nothing left to hide
        return
    model = {Kind.PROFILE: Member, Kind.HELP_REQUEST: HelpRequest, Kind.EVENT: Event}[report.kind]
    item = model.objects.filter(pk=report.object_id).first()
    if item is not None and not item.hidden_by_moderators:
        item.hidden_by_moderators = True
        # save(), not update(): the search index and caches follow saves of members.
        item.save(update_fields=["hidden_by_moderators"])


def _restrict(author: Member, *, until: dt.datetime | None, ban: bool) -> None:
    if ban:
        author.banned = True
        author.save(update_fields=["banned"])
    else:
        author.suspended_until = until
        author.save(update_fields=["suspended_until"])
    # The backend refuses the account from now on; its open sockets check their sessions now.
    messaging_services.sessions_ended(member_id=author.pk)


def report_resolve(
    *, report: Report, moderator: Member, action: str, until: dt.datetime | None = None, note: str = ""
) -> Report:
    """Close the report with an action, and close the other open reports of the same item with it.

    dismiss: nothing happens to the item; warn: the author gets a notification (with the note);
    hide: the item is listed nowhere (a message reads as removed); suspend: the author cannot log
    in until `until` (in the future), their sessions and sockets end at once on every process;
    ban: the same, for good. Every act is written to the audit trail.

    Refusals: forbidden (403), invalid_action, invalid_until, no_author, already_resolved (400).
    """
    _check_moderator(moderator, report)
    if action not in RESOLUTIONS:
        raise ModerationError("invalid_action", _("Choose an action from the list."))
    if report.state == Report.State.RESOLVED:
        raise ModerationError("already_resolved", _("This report is resolved already."))
    now = timezone.now()
    if action == Action.SUSPEND and (until is None or until <= now):
        raise ModerationError("invalid_until", _("A suspension ends at a time in the future."))
    if action != Action.SUSPEND:
        until = None
    author = report.author
    if action in (Action.WARN, Action.SUSPEND, Action.BAN) and author is None:
        raise ModerationError("no_author", _("This content has no author any more."))
    note = (note or "").strip()[:NOTE_MAX_LENGTH]
    with transaction.atomic():
        if action == Action.HIDE:
            _hide(report)
        elif action == Action.WARN:
            notify(recipient=author, kind="moderation_warning", params={"excerpt": note})
        elif action in (Action.SUSPEND, Action.BAN):
            _restrict(author, until=until, ban=action == Action.BAN)
        reports = Report.objects.filter(kind=report.kind, object_id=report.object_id, state=Report.State.OPEN)
        reports.update(state=Report.State.RESOLVED, resolution=action, resolved_at=now, updated_at=now)
        ModerationAction.objects.create(
            actor=moderator,
            action=action,
            report=report,
            kind=report.kind,
            object_id=report.object_id,
            target=author,
            until=until,
            note=note,
        )
    report.refresh_from_db()
    return report
