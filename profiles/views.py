"""Directory and profile pages (the profiles issue fills these in)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from profiles.models import Member


def directory(request: HttpRequest) -> HttpResponse:
    members = Member.objects.exclude(visibility=Member.Visibility.HIDDEN).order_by("-date_joined")[:50]
    return render(request, "profiles/directory.html", {"members": members})


def detail(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(Member, username=username)
    return render(request, "profiles/detail.html", {"member": member})


@login_required
def edit(request: HttpRequest) -> HttpResponse:
    return render(request, "profiles/edit.html", {"member": request.user})
