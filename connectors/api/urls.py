from django.urls import path

from . import views

urlpatterns = [
    path("revocations/", views.RevocationListAPIView.as_view(), name="connectors-revocations"),
    path(
        "revocations/<int:pk>/",
        views.RevocationDetailAPIView.as_view(),
        name="connectors-revocation",
    ),
    path(
        "revocations/<int:pk>/ack",
        views.RevocationAckAPIView.as_view(),
        name="connectors-revocation-ack",
    ),
]
