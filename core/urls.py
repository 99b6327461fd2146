from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("panels/status/", views.DashboardStatusPanel.as_view(), name="dashboard-status"),
    path("me/", views.ProfileView.as_view(), name="profile"),
    path("me/tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="token-revoke"),
]
