from django.urls import path

from community.helpboard import views

app_name = "help"

urlpatterns = [path("", views.board, name="board")]
