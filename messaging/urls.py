from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("search/", views.message_search, name="search"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path(
        "attachments/<int:attachment_id>/thumbnail/",
        views.attachment,
        {"thumbnail": True},
        name="attachment_thumbnail",
    ),
    path("<int:conversation_id>/", views.conversation, name="conversation"),
    path("<int:conversation_id>/members/add/", views.group_members_add, name="group_members_add"),
    path("<int:conversation_id>/members/remove/", views.group_member_remove, name="group_member_remove"),
    path("<int:conversation_id>/<str:action>/", views.conversation_action, name="conversation_action"),
    path("with/<str:username>/", views.with_member, name="with_member"),
    path("groups/new/", views.group_new, name="group_new"),
    path("notifications/", views.notifications, name="notifications"),
]
