from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.core.text import validate_single_line

# ---------------------------------------------------------------------------------------------
# The coworking network: free trials, events, hours
# ---------------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TrialRequestForm(forms.Form):
    """A visitor's free trial day; the rules on the day itself live in `trial_request_create`."""

    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Email"), help_text=_("We send the confirmation and the answer here."))
    date = forms.DateField(label=_("Day"), widget=DateInput)
    message = forms.CharField(
        label=_("A few words about you (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you do, what you are looking for: it helps the space welcome you."),
    )
    # Bots fill every field; people never see this one.
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The browser's date picker starts at today; the service checks again whatever arrives.
        self.fields["date"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Tell us your name."), code="required")
        return name

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Leave this field empty."), code="bot")
        return ""


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160, validators=[validate_single_line])
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        validators=[validate_single_line],
        help_text=_("Leave empty to use the space's address."),
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput)
    capacity = forms.IntegerField(
        label=_("Seats"), min_value=1, required=False, help_text=_("Leave empty for no limit.")
    )

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error(
                "ends_at", forms.ValidationError(_("An event cannot end before it starts."), code="order")
            )
        return cleaned


class MonthForm(forms.Form):
    """`?month=2026-10`; the current month when absent."""

    month = forms.RegexField(
        label=_("Month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
        error_messages={"invalid": _("Give a month as YYYY-MM.")},
    )

    def clean_month(self) -> str:
        value = self.cleaned_data.get("month") or ""
        if value and not 2000 <= int(value[:4]) <= 2100:
            raise forms.ValidationError(_("Give a month between 2000 and 2100."), code="out_of_range")
        return value

    def year_month(self, today) -> tuple[int, int]:
        value = self.cleaned_data.get("month") if self.is_valid() else ""
        if not value:
            return today.year, today.month
        year, month = value.split("-")
        return int(year), int(month)
