"""Sign up and log in. Password change and reset are Django's own views with our templates."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, PasswordResetView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from community.core.ratelimit import client_ip, rate_limit_allow
from profiles.accounts_forms import MemberLoginForm, SignupForm
from profiles.services import member_create

SIGNUPS_PER_IP_PER_HOUR = 10
# Each reset sends an email: a ceiling per address asking and per account targeted.
PASSWORD_RESETS_PER_IP_PER_HOUR = 5
PASSWORD_RESETS_PER_EMAIL_PER_HOUR = 3


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and not rate_limit_allow(
        f"signup:ip:{client_ip(request)}", limit=SIGNUPS_PER_IP_PER_HOUR, window=3600
    ):
        form.add_error(None, _("Too many accounts were created from your address. Try again in an hour."))
    elif request.method == "POST" and form.is_valid():
        member = member_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            display_name=form.cleaned_data["display_name"],
            password=form.cleaned_data["password1"],
        )
        login(request, member, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("Welcome to the network, %(name)s! Tell the others what you do.")
            % {"name": member.display_name},
        )
        return redirect("profiles:edit")
    return render(request, "registration/signup.html", {"form": form})


class MemberLoginView(LoginView):
    authentication_form = MemberLoginForm
    redirect_authenticated_user = True


class RateLimitedPasswordResetView(PasswordResetView):
    """Django's password reset, which emails the account: limited per address and per email, so
    it cannot be used to flood a member's inbox. The answer does not say whether the email exists."""

    def form_valid(self, form):
        email = (form.cleaned_data.get("email") or "").strip().lower()
        if not rate_limit_allow(
            f"password-reset:ip:{client_ip(self.request)}", limit=PASSWORD_RESETS_PER_IP_PER_HOUR, window=3600
        ) or not rate_limit_allow(
            f"password-reset:email:{email}", limit=PASSWORD_RESETS_PER_EMAIL_PER_HOUR, window=3600
        ):
            form.add_error(None, _("Too many reset emails were asked for. Try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)
