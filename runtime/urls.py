"""Runtime access is served at the root: the OAuth endpoints and discovery documents sit
where workloads and RFC 8414 clients look for them; pages under runtime/."""

from django.urls import path

from . import oauth, views

app_name = "runtime"

urlpatterns = [
    path("oauth/token", oauth.token, name="token"),
    path("oauth/introspect", oauth.introspect, name="introspect"),
    path("oauth/revoke", oauth.revoke, name="revoke"),
    path(".well-known/openid-configuration", oauth.metadata, name="metadata"),
    path(".well-known/oauth-authorization-server", oauth.metadata, name="oauth-metadata"),
    path(".well-known/jwks.json", oauth.jwks, name="jwks"),
    path("runtime/issuers/", views.IssuerListView.as_view(), name="issuers"),
    path("runtime/issuers/new/", views.IssuerEditView.as_view(), name="issuer-new"),
    path("runtime/issuers/<int:pk>/", views.IssuerEditView.as_view(), name="issuer-edit"),
    path("runtime/panels/dashboard/", views.DashboardPanel.as_view(), name="dashboard-panel"),
    path(
        "runtime/panels/identity/<int:pk>/",
        views.IdentityRuntimePanel.as_view(),
        name="identity-panel",
    ),
]
