"""Sign up and log in. Password change and reset are Django's own views with our templates."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from community.forms import MemberLoginForm, SignupForm
from community.ratelimit import client_ip, rate_limit_allow
from profiles.services import member_create

SIGNUPS_PER_IP_PER_HOUR = 10


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
        messages.success(request, _("Welcome to the network, %(name)s! Tell the others what you do.") % {"name": member.display_name})
        return redirect("profiles:edit")
    return render(request, "registration/signup.html", {"form": form})


class MemberLoginView(LoginView):
    authentication_form = MemberLoginForm
    redirect_authenticated_user = True
