"""Inbox and conversation pages. They work without JavaScript; chat.js makes them live."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from community.core.ratelimit import rate_limit_allow, rate_limit_exceeded
from community.notifications import selectors as notification_selectors
from messaging import attachments, selectors, services
from messaging.forms import GroupForm, GroupMembersForm, MessageForm, new_client_id
from messaging.models import Participant
from profiles.models import Member
from profiles.visibility import member_is_reachable
from search.query import MAX_QUERY_LENGTH
from search.selectors import InvalidSearch, search_messages

HISTORY_PAGE = 50


def _picker_strings() -> dict[str, str]:
    """The member picker's words (messaging/static/messaging/member-picker.js), in the page's language."""
    return {
        "search": _("Search members by name or username"),
        "remove": _("Remove %(name)s"),
        "added": _("%(name)s added"),
        "removed": _("%(name)s removed"),
        "none": _("No member found. Press Enter to add the username as typed."),
        "picked": _("Members picked"),
    }


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
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                # The files of the no-JS form: uploaded as the API does, then sent with the message.
                uploaded = [
                    attachments.attachment_upload(uploader=request.user, conversation_id=conv.pk, upload=f)
                    for f in form.cleaned_data["attachments"]
                ]
                message = services.message_send(
                    sender=request.user,
                    conversation=conv,
                    body=form.cleaned_data["body"],
                    client_id=form.cleaned_data["client_id"],
                    attachments=[a.pk for a in uploaded] or None,
                )
            except attachments.AttachmentError as error:
                form.add_error("attachments", str(error.detail))
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
    history, has_older = selectors.messages_page(participant=participant, before=before, limit=HISTORY_PAGE)
    if history and before is None and participant.status != Participant.Status.DECLINED:
        # Opening the page reads the conversation (requests too: reading is not accepting).
        services.conversation_mark_read(
            member=request.user, conversation_id=conv.pk, message_id=history[-1].pk
        )
    # Every participation names the conversation (a direct one keeps the other's name after a
    # decline); only those still listening are listed as its members.
    theirs = (
        [p for p in selectors.conversation_participants(conversation=conv) if p.member_id != request.user.pk]
        if not conv.is_room
        else []
    )
    others = [p.member for p in theirs if p.status in selectors.LISTENING]
    mentionable = others if not conv.is_room else selectors.mentionable_members(conversation=conv)
    people = {p.member.username: p.member for p in theirs} | {m.username: m for m in mentionable}
    people |= {request.user.username: request.user} | {m.sender.username: m.sender for m in history}
    names = {username: str(m) for username, m in people.items()}
    avatars = {username: m.avatar.url for username, m in people.items() if m.avatar}
    other_side = theirs[0] if conv.is_direct and theirs else None
    other = other_side.member if other_side else None
    other_listening = bool(other_side and other_side.status in selectors.LISTENING)
    manages = conv.kind == conv.Kind.GROUP and conv.created_by_id == request.user.pk
    return render(
        request,
        "messaging/conversation.html",
        {
            "conversation": conv,
            "participant": participant,
            "name": selectors.conversation_display_name(conv, [p.member for p in theirs]),
            "others": others,
            "other": other,
            "other_listening": other_listening,
            "other_online": bool(other_listening and selectors.is_online(member_id=other.pk)),
            "waiting_for": other if other_side and selectors.awaiting_answer(other_side) else None,
            "manages": manages,
            "members_form": GroupMembersForm(viewer=request.user) if manages else None,
            "picker_strings": _picker_strings() if manages else None,
            "history": history,
            "has_older": has_older,
            "older_url": f"?before={history[0].pk}" if history and has_older else "",
            "viewing_older": before is not None,
            "names": names,
            "avatars": avatars,
            "mentionable": [m.username for m in mentionable if m.pk != request.user.pk],
            "reads": selectors.read_positions(conversation=conv, exclude=request.user),
            "last_seq": conv.last_seq,
            "sync_from": sync_from,
            "form": form,
        },
        status=status,
    )


ACTIONS = ("accept", "decline", "block", "mute", "unmute", "leave")


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
        if action == "leave":
            services.group_leave(member=request.user, conversation=conv)
            messages.success(request, _("You left the group."))
            return redirect("messaging:inbox")
        if action == "block":
            # Every participation, so a member who declined can still be blocked.
            other = (
                next(
                    (
                        p.member
                        for p in selectors.conversation_participants(conversation=conv)
                        if p.member_id != request.user.pk
                    ),
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
        return render(
            request,
            "messaging/group_new.html",
            {"form": form, "picker_strings": _picker_strings()},
            status=429,
        )
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
    return render(
        request,
        "messaging/group_new.html",
        {"form": form, "picker_strings": _picker_strings()},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["POST"])
def group_members_add(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The group creator invites more members (the no-JavaScript form; the picker fills it)."""
    conv = _participation_or_404(request, conversation_id).conversation
    form = GroupMembersForm(request.POST, viewer=request.user)
    # The same budget as creating groups: both put members' requests folders within reach.
    limit_key = f"group-create:{request.user.pk}"
    if rate_limit_exceeded(limit_key, limit=GROUPS_PER_HOUR, window=3600):
        messages.error(request, _("You invited many members in a short time. Try again in an hour."))
    elif not form.is_valid():
        for error in form.errors.get("usernames", []):
            messages.error(request, error)
    else:
        try:
            added = services.group_members_add(
                by=request.user, conversation=conv, members=form.cleaned_data["usernames"]
            )
        except services.MessagingError as error:
            messages.error(request, str(error.detail))
        else:
            rate_limit_allow(limit_key, limit=GROUPS_PER_HOUR, window=3600)
            added_ids = {p.member_id for p in added}
            if added_ids:
                invited = ", ".join(str(m) for m in form.cleaned_data["usernames"] if m.pk in added_ids)
                messages.success(request, _("Invited: %(names)s.") % {"names": invited})
            else:
                messages.info(request, _("They are already in the group."))
    return redirect(conv.get_absolute_url())


@login_required
@require_http_methods(["POST"])
def group_member_remove(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The group creator takes a member out (POST `username`)."""
    conv = _participation_or_404(request, conversation_id).conversation
    member = next(
        (
            p.member
            for p in selectors.conversation_participants(conversation=conv)
            if p.member.username == request.POST.get("username", "")
        ),
        None,
    )
    try:
        if member is None:
            raise services.MessagingError("not_member", _("This member is not in the group."))
        services.group_member_remove(by=request.user, conversation=conv, member=member)
    except services.MessagingError as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, _("%(name)s is no longer in the group.") % {"name": member})
    return redirect(conv.get_absolute_url())


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The member's notifications; seeing them marks them read."""
    items = list(notification_selectors.notifications_for(member=request.user))
    unread_ids = [n.pk for n in items if n.read_at is None]
    if unread_ids:
        services.notifications_mark_read(member=request.user, ids=unread_ids)
    return render(request, "messaging/notifications.html", {"items": items, "unread_ids": set(unread_ids)})


SEARCH_PAGE_SIZE = 20


@login_required
def message_search(request: HttpRequest) -> HttpResponse:
    """/messages/search/?q=...: the member's own messages with these words (search app)."""
    query = request.GET.get("q", "")
    try:
        page_number = max(1, min(int(request.GET.get("page", "1")), 500))
    except ValueError:
        page_number = 1
    context: dict = {"query": query[:MAX_QUERY_LENGTH], "page": None}
    status = 200
    if query.strip():
        try:
            page = search_messages(
                member=request.user,
                query=query,
                limit=SEARCH_PAGE_SIZE,
                offset=(page_number - 1) * SEARCH_PAGE_SIZE,
            )
        except InvalidSearch as error:
            context["error"] = error.detail
            status = 400
        else:
            context["page"] = page
            base = f"{reverse('messaging:search')}?{urlencode({'q': query})}"
            if page.has_previous:
                context["previous_url"] = f"{base}&page={page_number - 1}"
            if page.has_next:
                context["next_url"] = f"{base}&page={page_number + 1}"
    return render(request, "messaging/search.html", context, status=status)


# Served to participants only, never from a public URL: the browser is told it is the file it is
# (nosniff), to download it unless it is an image we re-encoded, to keep it out of shared caches,
# and (CSP sandbox) to run nothing in it even if opened directly.
ATTACHMENT_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@login_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int, thumbnail: bool = False) -> HttpResponse:
    found = attachments.attachment_for_viewer(member=request.user, attachment_id=attachment_id)
    if found is None or (thumbnail and not found.thumbnail_path):
        # The same 404 whether it exists or not.
        raise Http404(_("No such file."))
    content_type = (
        attachments.thumbnail_content_type(found.thumbnail_path) if thumbnail else found.content_type
    )
    if content_type == "text/plain":
        content_type += "; charset=utf-8"  # checked as UTF-8 at upload
    name = found.name
    if thumbnail:
        name = f"{name.rsplit('.', 1)[0]}.{found.thumbnail_path.rsplit('.', 1)[-1]}"
    response = HttpResponse(
        attachments.attachment_read(found, thumbnail=thumbnail), content_type=content_type
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=found.kind != found.Kind.IMAGE, filename=name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
