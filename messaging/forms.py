from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from messaging.models import BODY_MAX_LENGTH, CLIENT_ID_MAX_LENGTH
from messaging.selectors import group_invitees_by_username
from messaging.services import GROUP_MAX_MEMBERS, GROUP_TITLE_MAX_LENGTH
from profiles.models import Member


def new_client_id() -> str:
    return f"form-{uuid.uuid4().hex}"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); their checks are the upload service's."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "chat-file-input"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > settings.CHAT_ATTACHMENTS_PER_MESSAGE:
            raise forms.ValidationError(
                _("A message has at most %(n)d attachments.") % {"n": settings.CHAT_ATTACHMENTS_PER_MESSAGE}
            )
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class MessageForm(forms.Form):
    """The no-JavaScript way to write: a plain post that goes through the same service.

    The page renders a fresh client_id, so a double submit (or a resubmitted POST) stores one message.
    """

    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX_LENGTH,
        # Not required: files alone are a message (the service says when a body is missing).
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Write a message…"), "autocomplete": "off"}),
    )
    client_id = forms.CharField(max_length=CLIENT_ID_MAX_LENGTH, widget=forms.HiddenInput)
    attachments = MultipleFileField(label=_("Attach files"), required=False)


def _typed_usernames(value: str) -> list[str]:
    """The distinct usernames typed, without their "@" (case aside: usernames differ by more)."""
    names: dict[str, str] = {}
    for raw in value.replace(",", " ").split():
        name = raw.strip().lstrip("@")
        if name:
            names.setdefault(name.casefold(), name)
    return list(names.values())


class InviteesField(forms.CharField):
    """Usernames typed (or put there by the member picker), separated by commas or spaces."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Members"))
        kwargs.setdefault("help_text", _("Usernames, separated by commas or spaces."))
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "off", "data-member-picker": "", "spellcheck": "false"}),
        )
        super().__init__(**kwargs)


class _InviteesMixin:
    """Turns the typed usernames into members the viewer may invite (messaging.selectors)."""

    viewer: Member

    def clean_usernames(self) -> list[Member]:
        names = _typed_usernames(self.cleaned_data["usernames"])
        if not names:
            raise forms.ValidationError(_("Add at least one other member."))
        if len(names) > GROUP_MAX_MEMBERS:
            raise forms.ValidationError(_("A group has at most %(n)d members.") % {"n": GROUP_MAX_MEMBERS})
        # A hidden member gets the same answer as a username nobody has.
        found, missing = group_invitees_by_username(viewer=self.viewer, usernames=names)
        if missing:
            raise forms.ValidationError(
                _("No member with the username: %(names)s") % {"names": ", ".join(missing)}
            )
        return found


class GroupForm(_InviteesMixin, forms.Form):
    """A new group: its name and the members invited, among those the creator may see."""

    title = forms.CharField(label=_("Group name"), max_length=GROUP_TITLE_MAX_LENGTH)
    usernames = InviteesField()

    def __init__(self, *args, viewer: Member, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer


class GroupMembersForm(_InviteesMixin, forms.Form):
    """More members for an existing group (its creator's form on the conversation page)."""

    usernames = InviteesField(label=_("Add members"))

    def __init__(self, *args, viewer: Member, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
