"""The coworking network: spaces, free trials, check-ins, hours, events, the managers' pages."""

from django.urls import path

from community.network import views

app_name = "community"

urlpatterns = [
    path("spaces/", views.space_list, name="space_list"),
    path("spaces/<slug:slug>/", views.space_detail, name="space_detail"),
    path("spaces/<slug:slug>/trial/", views.trial_request, name="trial_request"),
    path("spaces/<slug:slug>/trial/sent/", views.trial_sent, name="trial_sent"),
    path("spaces/<slug:slug>/check-in/", views.check_in, name="check_in"),
    path("spaces/<slug:slug>/manage/", views.space_manage, name="space_manage"),
    path(
        "spaces/<slug:slug>/manage/trials/<int:pk>/<str:decision>/",
        views.trial_decide,
        name="trial_decide",
    ),
    path("spaces/<slug:slug>/manage/hours.csv", views.space_hours_csv, name="space_hours_csv"),
    path("spaces/<slug:slug>/manage/events/new/", views.event_create, name="event_create"),
    path("check-out/", views.check_out, name="check_out"),
    path("hours/", views.my_hours, name="my_hours"),
    path("events/", views.event_list, name="event_list"),
    path("events/feed.ics", views.events_feed, name="events_feed"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/rsvp/", views.event_rsvp, name="event_rsvp"),
    path("events/<int:pk>/event.ics", views.event_ics, name="event_ics"),
]
