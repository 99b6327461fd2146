"""Registry API v1, mounted at /api/v1/ by config/urls.py. URL names are `api-<model>-...`."""

from django.urls import path, re_path

from ..importers import api as imports
from . import views

SLUG = r"(?P<slug>[-a-zA-Z0-9_]+)"

urlpatterns = [
    # "identities/" (list and register) is mounted by approvals' API: registering is onboarding.
    path("identities/<int:pk>/", views.IdentityDetailView.as_view(), name="api-identity-detail"),
    path(
        "identities/<int:pk>/credentials/",
        views.IdentityCredentialsView.as_view(),
        name="api-identity-credentials",
    ),
    path("credentials/", views.CredentialListView.as_view(), name="api-credential-list"),
    path(
        "credentials/<int:pk>/", views.CredentialDetailView.as_view(), name="api-credential-detail"
    ),
    path(
        "credentials/<int:pk>/rotate/",
        views.CredentialRotateView.as_view(),
        name="api-credential-rotate",
    ),
    path(
        "credentials/<int:pk>/revoke/",
        views.CredentialRevokeView.as_view(),
        name="api-credential-revoke",
    ),
    path("imports/", imports.ImportJobListCreateView.as_view(), name="api-import-list"),
    path("imports/<int:pk>/", imports.ImportJobDetailView.as_view(), name="api-import-detail"),
    path("imports/<int:pk>/apply/", imports.ImportJobApplyView.as_view(), name="api-import-apply"),
    path(
        "imports/<int:pk>/cancel/",
        imports.ImportJobCancelView.as_view(),
        name="api-import-cancel",
    ),
    path("teams/", views.TeamListCreateView.as_view(), name="api-team-list"),
    re_path(rf"^teams/{SLUG}/$", views.TeamDetailView.as_view(), name="api-team-detail"),
    path("platforms/", views.PlatformListCreateView.as_view(), name="api-platform-list"),
    re_path(
        rf"^platforms/{SLUG}/$", views.PlatformDetailView.as_view(), name="api-platform-detail"
    ),
]
