from django.urls import path

from . import views

urlpatterns = [
    path("evidence/chain/", views.ChainAPIView.as_view(), name="evidence-chain"),
    path(
        "evidence/chain/verify/", views.ChainVerifyAPIView.as_view(), name="evidence-chain-verify"
    ),
    path("evidence/posture/", views.PostureAPIView.as_view(), name="evidence-posture"),
    path("evidence/access/", views.AccessEvidenceAPIView.as_view(), name="evidence-access"),
]
