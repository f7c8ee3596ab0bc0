"""Forms of the help board: they parse input; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.helpboard.models import DESCRIPTION_MAX_LENGTH, REPLY_MAX_LENGTH, TITLE_MAX_LENGTH, HelpRequest
from community.network.models import Region, Space
from profiles.models import Member

SKILLS_FIELD_MAX_LENGTH = 600


def split_skills(value: str) -> list[str]:
    """ "Translation, vertaling ; logo" -> ["Translation", "vertaling", "logo"]."""
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class HelpRequestForm(forms.Form):
    title = forms.CharField(
        label=_("What do you need?"),
        max_length=TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": _("Who can translate my website into Dutch?")}),
    )
    description = forms.CharField(
        label=_("Details"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Plain text. Links are made clickable."),
    )
    skills = forms.CharField(
        label=_("Skills needed"),
        required=False,
        max_length=SKILLS_FIELD_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("translation, Dutch"),
                "list": "skill-suggestions",
                "autocomplete": "off",
                "data-skill-input": "",
            }
        ),
        help_text=_("Separate skills with commas. We also find them in your text."),
    )
    space = forms.ModelChoiceField(
        label=_("Where"),
        queryset=Space.objects.order_by("name"),
        required=False,
        empty_label=_("The whole network"),
    )
    urgency = forms.ChoiceField(label=_("How urgent?"), choices=HelpRequest.Urgency.choices, initial="normal")

    def skill_list(self) -> list[str]:
        return split_skills(self.cleaned_data.get("skills", ""))


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ContactForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=3000, widget=forms.Textarea(attrs={"rows": 5}))
    # Generated when the form is shown: submitting it twice sends one message.
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=64)


# The largest primary key a database holds (a bigger number would crash the lookup, not fail it).
MAX_ID = 2**63 - 1


class MemberChoices(forms.ModelMultipleChoiceField):
    """Members by primary key; a value that cannot be one is a form error, not a database error."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class SolveForm(forms.Form):
    helpers = MemberChoices(
        label=_("Who helped you?"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They get a thank-you and it counts on their profile."),
    )

    def __init__(self, *args, helpers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if helpers is not None:
            self.fields["helpers"].queryset = helpers


class PreferencesForm(forms.Form):
    mute_help_notifications = forms.BooleanField(
        label=_("Mute notifications about new requests matching my skills"), required=False
    )


class BoardFilterForm(forms.Form):
    skill = forms.CharField(required=False, max_length=80)
    space = forms.CharField(required=False, max_length=120)
    region = forms.ChoiceField(required=False, choices=[("", _("All regions")), *Region.choices])
    status = forms.ChoiceField(
        required=False,
        # Lists of requests: French says "Ouvertes"/"Résolues" here, "Ouverte"/"Résolue" on one request.
        choices=[
            ("open", pgettext_lazy("help requests", "Open")),
            ("solved", pgettext_lazy("help requests", "Solved")),
            ("all", _("All")),
        ],
    )
    mine = forms.BooleanField(required=False)
