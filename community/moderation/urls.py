from django.urls import path

from community.moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("report/<str:kind>/<int:object_id>/", views.report_item, name="report_item"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/assign/", views.report_assign, name="report_assign"),
    path("reports/<int:pk>/resolve/", views.report_resolve, name="report_resolve"),
]
