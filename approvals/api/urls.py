from django.urls import path

from . import views

urlpatterns = [
    path("requests/", views.RequestListCreateAPIView.as_view(), name="approvals-requests"),
    path("requests/<int:pk>/", views.RequestDetailAPIView.as_view(), name="approvals-request"),
    path(
        "requests/<int:pk>/decide/",
        views.RequestDecideAPIView.as_view(),
        name="approvals-request-decide",
    ),
    path("grants/", views.GrantListAPIView.as_view(), name="approvals-grants"),
    path("grants/<int:pk>/", views.GrantDetailAPIView.as_view(), name="approvals-grant"),
    path(
        "grants/<int:pk>/revoke/", views.GrantRevokeAPIView.as_view(), name="approvals-grant-revoke"
    ),
    path(
        "grants/<int:pk>/credentials/",
        views.GrantCredentialAPIView.as_view(),
        name="approvals-grant-credentials",
    ),
]
