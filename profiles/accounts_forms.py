"""Signing up and logging in: a new member's account, and the throttled login form."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from community.core.ratelimit import client_ip, rate_limit_allow, rate_limit_exceeded
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

    accept_terms = forms.BooleanField(
        label=_("I accept the terms of use and the privacy notice"),
        error_messages={"required": _("Please accept the terms and the privacy notice to join.")},
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


class AccountDeleteForm(forms.Form):
    """Deleting the account asks for the password again: a session left open is not enough."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
