from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community.moderation import selectors, services
from community.moderation.forms import QueueFilterForm, ReportForm, ResolveForm
from community.moderation.models import Kind, Report


def _back_to(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def report_item(request: HttpRequest, kind: str, object_id: int) -> HttpResponse:
    """Report a profile, a help request, an event (or a message, without JavaScript)."""
    if kind not in Kind.values:
        raise Http404(_("There is nothing to report here."))
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(reporter=request.user, kind=kind, object_id=object_id, **form.cleaned_data)
        except services.ModerationError as error:
            if error.status == 404:
                raise Http404(error.detail) from error
            form.add_error(None, error.detail)
        else:
            messages.success(request, _("Thank you: the moderators will look at your report."))
            return redirect(_back_to(request))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "moderation/report_form.html",
        {"form": form, "kind_label": Kind(kind).label, "next": _back_to(request)},
        status=status,
    )


def _moderator_only(request: HttpRequest) -> None:
    if not selectors.is_moderator(request.user):
        raise PermissionDenied(_("Only the network's moderators see this page."))


def _report_for(request: HttpRequest, pk: int) -> Report:
    report = selectors.moderated_reports(moderator=request.user).filter(pk=pk).first()
    if report is None:
        raise Http404(_("No such report."))
    return report


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _moderator_only(request)
    data = request.GET.copy() if request.GET else {"state": Report.State.OPEN}
    filters = QueueFilterForm(data)
    chosen = filters.cleaned_data if filters.is_valid() else {"state": Report.State.OPEN}
    reports = selectors.report_queue(moderator=request.user, **chosen)[:200]
    return render(request, "moderation/queue.html", {"filters": filters, "reports": reports})


@login_required
def report_detail(request: HttpRequest, pk: int, form: ResolveForm | None = None) -> HttpResponse:
    _moderator_only(request)
    report = _report_for(request, pk)
    return render(
        request,
        "moderation/report_detail.html",
        {"report": report, "form": form or ResolveForm(), "trail": selectors.report_trail(report=report)},
        status=400 if form is not None else 200,
    )


@login_required
@require_POST
def report_assign(request: HttpRequest, pk: int) -> HttpResponse:
    _moderator_only(request)
    services.report_assign(report=_report_for(request, pk), moderator=request.user)
    messages.success(request, _("The report is assigned to you."))
    return redirect("moderation:report", pk=pk)


@login_required
@require_POST
def report_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    _moderator_only(request)
    report = _report_for(request, pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.report_resolve(report=report, moderator=request.user, **form.cleaned_data)
        except services.ModerationError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, _("The report is resolved."))
            return redirect("moderation:queue")
    return report_detail(request, pk, form=form)
