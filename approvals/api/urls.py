from django.urls import path

from . import onboarding, views

urlpatterns = [
    # identities' list, with registering (POST): the onboarding flow, which approvals owns
    path("identities/", onboarding.IdentityListOnboardView.as_view(), name="api-identity-list"),
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
