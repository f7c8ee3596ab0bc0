from django.contrib.auth import views as auth_views
from django.urls import path

from profiles import accounts as accounts_views

urlpatterns = [
    path("signup/", accounts_views.signup, name="signup"),
    path("login/", accounts_views.MemberLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", accounts_views.RateLimitedPasswordResetView.as_view(), name="password_reset"),
    path("password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("terms/", accounts_views.legal_text, {"kind": "terms"}, name="terms"),
    path("privacy/", accounts_views.legal_text, {"kind": "privacy"}, name="privacy"),
    path("data/", accounts_views.account_data, name="account_data"),
    path("data/export/", accounts_views.data_export_ask, name="data_export_ask"),
    path("data/export/<str:token>/", accounts_views.data_export_download, name="data_export_download"),
    path("delete/", accounts_views.account_delete, name="account_delete"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
