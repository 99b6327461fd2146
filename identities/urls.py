from django.urls import include, path

from . import views, views_directory, views_people

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
    # the directory (admins change, auditors read): views_directory.py, views_people.py
    path("teams/", views_directory.TeamListView.as_view(), name="teams"),
    path("teams/new/", views_directory.TeamEditView.as_view(), name="team-new"),
    path("teams/<int:pk>/", views_directory.TeamDetailView.as_view(), name="team"),
    path("teams/<int:pk>/edit/", views_directory.TeamEditView.as_view(), name="team-edit"),
    path(
        "teams/<int:pk>/members/<int:user_pk>/remove/",
        views_directory.TeamMemberRemoveView.as_view(),
        name="team-member-remove",
    ),
    path("platforms/", views_directory.PlatformListView.as_view(), name="platforms"),
    path("platforms/new/", views_directory.PlatformEditView.as_view(), name="platform-new"),
    path("platforms/<int:pk>/", views_directory.PlatformDetailView.as_view(), name="platform"),
    path(
        "platforms/<int:pk>/edit/",
        views_directory.PlatformEditView.as_view(),
        name="platform-edit",
    ),
    path("people/", views_people.PeopleListView.as_view(), name="people"),
    path("people/<int:pk>/", views_people.PersonDetailView.as_view(), name="person"),
    path("import/", include(("identities.importers.urls", "import"), namespace="import")),
]
