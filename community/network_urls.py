"""Spaces, trials and events (the community issue fills these in)."""

from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("spaces/", views.space_list, name="space_list"),
    path("spaces/<slug:slug>/", views.space_detail, name="space_detail"),
]
