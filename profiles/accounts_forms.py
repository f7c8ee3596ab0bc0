"""Signing up and logging in: a new member's account, and the throttled login form."""

from __future__ import annotations

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.core.ratelimit import client_ip
from profiles import login_throttle
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


class ThrottledLoginMixin:
    """Refuses a locked account before checking its password, and counts wrong passwords
    (profiles.login_throttle: per account, and per account from one address)."""

    request: HttpRequest | None
    user_cache: Member | None

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_ip(self.request) if self.request else "unknown"
        if username:
            remaining = login_throttle.lockout_remaining(username=username, address=address)
            if remaining:
                minutes = max(1, math.ceil(remaining / 60))
                raise forms.ValidationError(
                    ngettext(
                        "Too many failed attempts for this account. Try again in %(minutes)d minute, "
                        "or reset your password.",
                        "Too many failed attempts for this account. Try again in %(minutes)d minutes, "
                        "or reset your password.",
                        minutes,
                    )
                    % {"minutes": minutes},
                    code="throttled",
                )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username and self.user_cache is None:
                _refuse_a_restricted_account(username, self.cleaned_data.get("password") or "")
            # Only a wrong password counts: a right one refused for another reason (an inactive
            # account, a member who is not staff at the admin) is no guess.
            if username and self.user_cache is None:
                login_throttle.login_failed(username=username, address=address)
            raise
        if username:
            login_throttle.login_succeeded(username=username, address=address)
        return cleaned


def _refuse_a_restricted_account(username: str, password: str) -> None:
    """The right password of a suspended or banned account gets the reason, not "wrong password".

    The backend refuses such an account as it refuses a wrong password; only the one who knows
    the password learns why (anyone else still reads "wrong username or password").
    """
    member = Member.objects.filter(username=username).first()
    if member is None or not member.is_active or not member.check_password(password):
        return
    if member.banned:
        raise forms.ValidationError(_("This account has been banned by the moderators."), code="banned")
    if member.is_suspended():
        until = formats.date_format(timezone.localtime(member.suspended_until), "DATETIME_FORMAT")
        raise forms.ValidationError(
            _("This account is suspended by the moderators until %(until)s.") % {"until": until},
            code="suspended",
        )


class MemberLoginForm(ThrottledLoginMixin, AuthenticationForm):
    """Django's login form, throttled against brute force."""

    error_messages = {
        "invalid_login": _("Wrong username or password. Both are case-sensitive."),
        "inactive": _("This account is inactive."),
    }


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login form (admin.site.login_form), throttled as the members' login."""


class AccountDeleteForm(forms.Form):
    """Deleting the account asks for the password again: a session left open is not enough."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
