"""Importers: Steward CSV/JSON, the AWS IAM credential report, Kubernetes service accounts."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("", views.ImportUploadView.as_view(), name="upload"),
    path("<int:pk>/", views.ImportJobView.as_view(), name="job"),
    path("<int:pk>/progress/", views.ImportJobProgressView.as_view(), name="progress"),
    path("<int:pk>/apply/", views.import_job_apply_view, name="apply"),
    path("<int:pk>/cancel/", views.import_job_cancel_view, name="cancel"),
]
