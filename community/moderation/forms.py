from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from community.moderation.models import Action, Kind, Reason, Report
from community.moderation.services import NOTE_MAX_LENGTH, RESOLUTIONS


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you reporting this?"), choices=Reason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Anything the moderators should know (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any")), *Report.State.choices]
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any")), *Kind.choices])
    assignee = forms.ChoiceField(
        label=_("Assigned to"),
        required=False,
        choices=[("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))],
    )


class ResolveForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[(a.value, a.label) for a in Action if a in RESOLUTIONS],
        widget=forms.RadioSelect,
    )
    until = forms.DateTimeField(
        label=_("Suspended until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("For a suspension only."),
    )
    note = forms.CharField(
        label=_("Note for the audit trail (a warning sends it to the author)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == Action.SUSPEND and not cleaned.get("until"):
            self.add_error("until", _("Say until when the account is suspended."))
        return cleaned
