from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.ratelimit import client_ip, rate_limit_allow, rate_limit_exceeded
from profiles.models import Member


class SignupForm(forms.Form):
    username = UsernameField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @/./+/-/_ only. It appears in your profile address."),
    )
    email = forms.EmailField(label=_("Email"), help_text=_("Never shown to other members."))
    display_name = forms.CharField(label=_("Display name"), max_length=80)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if Member.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is already taken."), code="duplicate_username")
        return username

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if Member.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this email already exists."), code="duplicate_email"
            )
        return email

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Tell us the name other members will see."), code="required")
        return name

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error(
                "password2", forms.ValidationError(_("The two passwords differ."), code="password_mismatch")
            )
        if p1 and not self.errors.get("password2"):
            candidate = Member(
                username=cleaned.get("username", ""),
                email=cleaned.get("email", ""),
                display_name=cleaned.get("display_name", ""),
            )
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


LOGIN_FAILURES_PER_ACCOUNT = 5
LOGIN_FAILURES_PER_IP = 30
LOGIN_WINDOW_SECONDS = 15 * 60


class MemberLoginForm(AuthenticationForm):
    """Django's login form, throttled against brute force per account and per address."""

    error_messages = {
        "invalid_login": _("Wrong username or password. Both are case-sensitive."),
        "inactive": _("This account is inactive."),
        "throttled": _("Too many failed attempts. Wait 15 minutes, or reset your password."),
    }

    def clean(self):
        username = (self.cleaned_data.get("username") or "").lower()
        ip = client_ip(self.request) if self.request else "unknown"
        account_key, ip_key = f"login:user:{username}", f"login:ip:{ip}"
        if rate_limit_exceeded(
            account_key, limit=LOGIN_FAILURES_PER_ACCOUNT, window=LOGIN_WINDOW_SECONDS
        ) or (rate_limit_exceeded(ip_key, limit=LOGIN_FAILURES_PER_IP, window=LOGIN_WINDOW_SECONDS)):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            rate_limit_allow(account_key, limit=LOGIN_FAILURES_PER_ACCOUNT, window=LOGIN_WINDOW_SECONDS)
            rate_limit_allow(ip_key, limit=LOGIN_FAILURES_PER_IP, window=LOGIN_WINDOW_SECONDS)
            raise


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
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
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
