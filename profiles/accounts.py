"""Sign up and log in. Password change and reset are Django's own views with our templates."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.core.errors import ServiceError
from community.core.ratelimit import client_ip, rate_limit_allow
from profiles.accounts_forms import AccountDeleteForm, MemberLoginForm, SignupForm
from profiles.privacy import data_export_for_download, data_exports_of, export_storage, member_delete_own
from profiles.selectors import legal_text_current
from profiles.services import data_export_request, member_create

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
            consented=form.cleaned_data["accept_terms"],
        )
        login(request, member, backend="profiles.backends.MemberBackend")
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


# --- my data and my account (issue #18) -------------------------------------------------------


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@login_required
def account_data(request: HttpRequest) -> HttpResponse:
    """Download my data (ask, then fetch when ready) and delete my account."""
    return _no_store(
        render(
            request,
            "registration/account_data.html",
            {"exports": data_exports_of(request.user), "delete_form": AccountDeleteForm()},
        )
    )


@login_required
@require_POST
def data_export_ask(request: HttpRequest) -> HttpResponse:
    data_export_request(member=request.user)
    messages.success(
        request, _("Your archive is being prepared. You will be told here and by email when it is ready.")
    )
    return redirect("account_data")


@login_required
def data_export_download(request: HttpRequest, token: str) -> HttpResponse:
    export = data_export_for_download(member=request.user, token=token)
    if export is None:
        raise Http404(_("No such archive, or it expired."))
    response = FileResponse(
        export_storage().open(export.path, "rb"),
        as_attachment=True,
        filename=f"my-data-{request.user.username}.zip",
        content_type="application/zip",
    )
    return _no_store(response)


@login_required
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST)
    if form.is_valid():
        try:
            member_delete_own(member=request.user, password=form.cleaned_data["password"])
        except ServiceError as error:
            form.add_error("password", error.detail)
        else:
            logout(request)
            messages.success(request, _("Your account and your data were deleted. Goodbye!"))
            return redirect("home")
    response = render(
        request,
        "registration/account_data.html",
        {"exports": data_exports_of(request.user), "delete_form": form},
    )
    return _no_store(response)


def legal_text(request: HttpRequest, kind: str) -> HttpResponse:
    """The current terms or privacy notice, in the reader's language when written in it."""
    text = legal_text_current(kind=kind, language=get_language() or "en")
    return render(
        request, "registration/legal_text.html", {"text": text, "kind": kind}, status=200 if text else 404
    )
