from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("", views.MatrixView.as_view(), name="matrix"),
    path(
        "matrix/cell/<int:domain_pk>/<str:scope_kind>/<int:scope_id>/",
        views.MatrixCellView.as_view(),
        name="matrix-cell",
    ),
    path("matrix/export.csv", views.MatrixExportView.as_view(), name="matrix-export"),
    path(
        "assignments/<int:pk>/remove/",
        views.AssignmentRemoveView.as_view(),
        name="assignment-remove",
    ),
    path("gaps/", views.GapsView.as_view(), name="gaps"),
    path("panels/gaps/", views.DashboardPanelView.as_view(), name="dashboard-panel"),
    path("identities/<int:pk>/owners/", views.IdentityOwnersView.as_view(), name="identity-owners"),
    path(
        "panels/<str:kind>/<int:pk>/assignments/",
        views.AssignmentsPanelView.as_view(),
        name="assignments-panel",
    ),
]
