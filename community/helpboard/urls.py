from django.urls import path

from community.helpboard import views

app_name = "help"

urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.new, name="new"),
    path("preferences/", views.preferences, name="preferences"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/offer/", views.offer, name="offer"),
    path("<int:pk>/solve/", views.solve, name="solve"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/message/<str:username>/", views.contact, name="contact"),
]
