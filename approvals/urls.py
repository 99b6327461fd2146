from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("onboard/", views.OnboardingWizard.as_view(), name="onboard"),
]
