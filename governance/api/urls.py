from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("domains", views.ControlDomainViewSet, basename="ownership-domain")
router.register("assignments", views.AssignmentViewSet, basename="ownership-assignment")

urlpatterns = [
    path(
        "ownership/identities/<int:pk>/owners/",
        views.IdentityOwnersAPIView.as_view(),
        name="ownership-identity-owners",
    ),
    path("ownership/gaps/", views.GapsAPIView.as_view(), name="ownership-gaps"),
    path("ownership/", include(router.urls)),
]
