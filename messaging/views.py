"""Inbox and conversation pages. They work without JavaScript; chat.js makes them live."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from community.core.ratelimit import rate_limit_allow, rate_limit_exceeded
from community.notifications import selectors as notification_selectors
from messaging import selectors, services
from messaging.forms import GroupForm, MessageForm, new_client_id
from messaging.models import Participant
from profiles.models import Member
from profiles.visibility import member_is_reachable

HISTORY_PAGE = 50


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    folder = "requests" if request.GET.get("folder") == "requests" else "inbox"
    rows = selectors.conversation_rows(member=request.user, folder=folder)
    return render(
        request,
        "messaging/inbox.html",
        {
            "folder": folder,
            "rows": rows,
            "requests_count": selectors.requests_count(member=request.user),
        },
    )


def _participation_or_404(request: HttpRequest, conversation_id: int) -> Participant:
    participant = selectors.participation_get(member=request.user, conversation_id=conversation_id)
    if participant is None:
        # The same 404 whether the conversation exists or not.
        raise Http404(_("No such conversation."))
    return participant


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else None


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    participant = _participation_or_404(request, conversation_id)
    conv = participant.conversation
    status = 200
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                message = services.message_send(
                    sender=request.user,
                    conversation=conv,
                    body=form.cleaned_data["body"],
                    client_id=form.cleaned_data["client_id"],
                )
            except services.MessagingError as error:
                form.add_error(
                    "body" if error.code in ("empty_body", "body_too_long", "invalid_body") else None,
                    str(error.detail),
                )
            else:
                return redirect(f"{conv.get_absolute_url()}#message-{message.pk}")
        status = 400
        # A fresh key for the next try; the text the member typed stays in the box.
        form.data = form.data.copy()
        form.data["client_id"] = new_client_id()
    else:
        form = MessageForm(initial={"client_id": new_client_id()})

    before = _int_param(request, "before")
    # Read before the history: chat.js syncs from here, so nothing committed meanwhile is missed.
    sync_from = selectors.latest_message_id(member=request.user)
    history, has_older = selectors.messages_page(conversation=conv, before=before, limit=HISTORY_PAGE)
    if history and before is None and participant.status != Participant.Status.DECLINED:
        # Opening the page reads the conversation (requests too: reading is not accepting).
        services.conversation_mark_read(
            member=request.user, conversation_id=conv.pk, message_id=history[-1].pk
        )
    others = (
        [m for m in selectors.conversation_members(conversation=conv) if m.pk != request.user.pk]
        if not conv.is_room
        else []
    )
    names = {m.username: str(m) for m in others} | {request.user.username: str(request.user)}
    names |= {m.sender.username: str(m.sender) for m in history}
    other = others[0] if conv.is_direct and others else None
    return render(
        request,
        "messaging/conversation.html",
        {
            "conversation": conv,
            "participant": participant,
            "name": selectors.conversation_display_name(conv, others),
            "others": others,
            "other": other,
            "other_online": bool(other and selectors.is_online(member_id=other.pk)),
            "history": history,
            "has_older": has_older,
            "older_url": f"?before={history[0].pk}" if history and has_older else "",
            "viewing_older": before is not None,
            "names": names,
            "last_seq": conv.last_seq,
            "sync_from": sync_from,
            "form": form,
        },
        status=status,
    )


ACTIONS = ("accept", "decline", "block", "mute", "unmute")


@login_required
def conversation_action(request: HttpRequest, conversation_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404(_("No such action."))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    participant = _participation_or_404(request, conversation_id)
    conv = participant.conversation
    try:
        if action == "accept":
            services.request_accept(member=request.user, conversation=conv)
            messages.success(request, _("Conversation accepted."))
            return redirect(conv.get_absolute_url())
        if action == "decline":
            services.request_decline(member=request.user, conversation=conv)
            messages.success(request, _("Conversation declined."))
            return redirect("messaging:inbox")
        if action == "block":
            other = (
                next(
                    (m for m in selectors.conversation_members(conversation=conv) if m.pk != request.user.pk),
                    None,
                )
                if conv.is_direct
                else None
            )
            if other is None:
                messages.error(request, _("Only the other member of a direct conversation can be blocked."))
                return redirect(conv.get_absolute_url())
            services.member_block(blocker=request.user, blocked=other)
            messages.success(
                request, _("%(name)s is blocked and can no longer write to you.") % {"name": other}
            )
            return redirect("messaging:inbox")
        services.participant_mute(member=request.user, conversation=conv, muted=action == "mute")
    except services.MessagingError as error:
        messages.error(request, str(error.detail))
    return redirect(conv.get_absolute_url())


def _already_talking(member: Member, other: Member) -> bool:
    return Participant.objects.filter(
        member=member, conversation__kind="direct", conversation__participants__member=other
    ).exists()


@login_required
def with_member(request: HttpRequest, username: str) -> HttpResponse:
    """Open the direct conversation with a member, creating it on first use."""
    other = get_object_or_404(Member, username=username, is_active=True)
    if other.pk == request.user.pk:
        messages.info(request, _("This is you. Pick someone else to talk to."))
        return redirect("messaging:inbox")
    talking = other.is_hidden and _already_talking(request.user, other)
    if not member_is_reachable(other, viewer=request.user, showed_themselves=talking):
        # A hidden profile is not reachable by guessing its username: same 404 as no member at all.
        raise Http404(_("No such member."))
    conv = services.conversation_direct_get_or_create(member=request.user, other=other)
    return redirect(conv.get_absolute_url())


# A group invites up to 50 members into their requests: a spam vector without a ceiling.
GROUPS_PER_HOUR = 20


@login_required
@require_http_methods(["GET", "POST"])
def group_new(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None, viewer=request.user)
    limit_key = f"group-create:{request.user.pk}"
    if request.method == "POST" and rate_limit_exceeded(limit_key, limit=GROUPS_PER_HOUR, window=3600):
        form.is_valid()
        form.add_error(None, _("You created many groups in a short time. Try again in an hour."))
        return render(request, "messaging/group_new.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            conv = services.group_create(
                creator=request.user, title=form.cleaned_data["title"], members=form.cleaned_data["usernames"]
            )
        except services.MessagingError as error:
            form.add_error(None, str(error.detail))
        else:
            rate_limit_allow(limit_key, limit=GROUPS_PER_HOUR, window=3600)
            return redirect(conv.get_absolute_url())
    return render(request, "messaging/group_new.html", {"form": form}, status=400 if form.is_bound else 200)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The member's notifications; seeing them marks them read."""
    items = list(notification_selectors.notifications_for(member=request.user))
    unread_ids = [n.pk for n in items if n.read_at is None]
    if unread_ids:
        services.notifications_mark_read(member=request.user, ids=unread_ids)
    return render(request, "messaging/notifications.html", {"items": items, "unread_ids": set(unread_ids)})
