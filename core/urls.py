from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("panels/status/", views.DashboardStatusPanel.as_view(), name="dashboard-status"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/read/", views.inbox_mark_read_view, name="inbox-read"),
    path("me/", views.ProfileView.as_view(), name="profile"),
    path("me/tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="token-revoke"),
]
