from django.urls import path

from profiles import views

app_name = "profiles"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("me/edit/", views.edit, name="edit"),
    path("skills/suggest/", views.skill_suggest, name="skill_suggest"),
    path("skills/suggest", views.skill_suggest),
    path("<str:username>/", views.detail, name="detail"),
]
