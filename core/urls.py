from django.urls import path

from . import admin_pages, views

app_name = "core"

urlpatterns = [
    path("panels/status/", views.DashboardStatusPanel.as_view(), name="dashboard-status"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/read/", views.inbox_mark_read_view, name="inbox-read"),
    path("me/", views.ProfileView.as_view(), name="profile"),
    path("me/tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="token-revoke"),
    # the in-app admin (core/admin_pages.py); each app serves its own admin pages
    path("settings/", admin_pages.AdminHomeView.as_view(), name="admin-home"),
    path("settings/webhooks/", admin_pages.WebhookListView.as_view(), name="webhooks"),
    path("settings/webhooks/new/", admin_pages.WebhookEditView.as_view(), name="webhook-new"),
    path("settings/webhooks/<int:pk>/", admin_pages.WebhookDetailView.as_view(), name="webhook"),
    path(
        "settings/webhooks/<int:pk>/edit/",
        admin_pages.WebhookEditView.as_view(),
        name="webhook-edit",
    ),
    path(
        "settings/webhooks/<int:pk>/rotate/",
        admin_pages.WebhookRotateView.as_view(),
        name="webhook-rotate",
    ),
    path(
        "settings/webhooks/<int:pk>/delete/",
        admin_pages.WebhookDeleteView.as_view(),
        name="webhook-delete",
    ),
]
