from django.urls import path

from . import views

urlpatterns = [
    path("runtime/issuers/", views.IssuerListCreateAPIView.as_view(), name="runtime-issuers"),
    path("runtime/issuers/<int:pk>/", views.IssuerDetailAPIView.as_view(), name="runtime-issuer"),
]
