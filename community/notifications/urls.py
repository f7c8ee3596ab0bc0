from django.urls import path

from community.notifications import views

app_name = "notifications"

urlpatterns = [
    path("settings/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("devices/<int:pk>/remove/", views.push_device_remove, name="device_remove"),
]
