"""Home page and the network's spaces (the community issue extends these)."""

from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from community.models import Region, Space
from profiles.models import Member


def home(request: HttpRequest) -> HttpResponse:
    totals = Space.objects.aggregate(spaces=Count("id"), surface=Sum("surface_m2"))
    totals["members"] = Member.objects.filter(is_active=True).count()
    return render(request, "community/home.html", {"totals": totals})


def space_list(request: HttpRequest) -> HttpResponse:
    region = request.GET.get("region", "")
    spaces = Space.objects.annotate(member_count=Count("home_members")).order_by("region", "city", "name")
    if region in Region.values:
        spaces = spaces.filter(region=region)
    totals = Space.objects.aggregate(spaces=Count("id"), surface=Sum("surface_m2"))
    totals["members"] = Member.objects.filter(is_active=True).count()
    return render(
        request,
        "community/space_list.html",
        {"spaces": spaces, "totals": totals, "regions": Region.choices, "region": region},
    )


def space_detail(request: HttpRequest, slug: str) -> HttpResponse:
    space = get_object_or_404(Space.objects.prefetch_related("plans"), slug=slug)
    return render(request, "community/space_detail.html", {"space": space})
