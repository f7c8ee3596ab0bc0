from django.urls import path

from profiles import views

app_name = "profiles"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("me/edit/", views.edit, name="edit"),
    path("<str:username>/", views.detail, name="detail"),
]
