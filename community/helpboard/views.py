"""The help board (the help board issue fills it in)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def board(request: HttpRequest) -> HttpResponse:
    return render(request, "helpboard/board.html", {})
