from django.urls import include, path

from . import views

app_name = "identities"

urlpatterns = [
    path("", views.IdentityListView.as_view(), name="list"),
    path("<int:pk>/", views.IdentityDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.IdentityEditView.as_view(), name="edit"),
    path("<int:pk>/timeline/", views.IdentityTimelinePartial.as_view(), name="timeline"),
    path("<int:pk>/history/", views.IdentityHistoryPartial.as_view(), name="history"),
    path("<int:pk>/credentials/new/", views.CredentialRecordView.as_view(), name="credential-new"),
    path(
        "credentials/<int:pk>/rotate/",
        views.CredentialRotateView.as_view(),
        name="credential-rotate",
    ),
    path(
        "credentials/<int:pk>/revoke/",
        views.CredentialRevokeView.as_view(),
        name="credential-revoke",
    ),
    path(
        "<int:pk>/findings/<int:finding_pk>/resolve/",
        views.FindingResolveView.as_view(),
        name="finding-resolve",
    ),
    path("panels/dashboard/", views.DashboardPanel.as_view(), name="dashboard-panel"),
    path("import/", include(("identities.importers.urls", "import"), namespace="import")),
]
