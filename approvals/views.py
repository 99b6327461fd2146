from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from formtools.wizard.views import SessionWizardView

from core.roles import RoleRequiredMixin, is_admin, is_engineer

from . import forms, services

ONBOARDING_STEPS = [
    ("identity", forms.OnboardIdentityForm),
    ("purpose", forms.OnboardPurposeForm),
    ("entitlements", forms.OnboardEntitlementsForm),
    ("review", forms.OnboardReviewForm),
]
STEP_TITLES = {
    "identity": "Identity",
    "purpose": "Purpose and end date",
    "entitlements": "Entitlements",
    "review": "Review",
}


class OnboardingWizard(RoleRequiredMixin, SessionWizardView):
    """identity → purpose and end date → entitlements → review; engineers, into their teams."""

    role_check = staticmethod(lambda user: is_engineer(user) or is_admin(user))
    form_list = ONBOARDING_STEPS
    template_name = "approvals/onboard.html"

    def get_form_kwargs(self, step=None):
        return {"user": self.request.user} if step == "identity" else {}

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        context["steps_titles"] = [(name, STEP_TITLES[name]) for name, _ in ONBOARDING_STEPS]
        if self.steps.current == "review":
            context["summary"] = self._collected()
        return context

    def _collected(self) -> dict:
        data = {}
        for step in ("identity", "purpose", "entitlements"):
            data.update(self.get_cleaned_data_for_step(step) or {})
        return data

    def done(self, form_list, **kwargs):
        data = {}
        for form in list(form_list)[:-1]:
            data.update(form.cleaned_data)
        try:
            identity = services.onboarding_submit(actor=self.request.user, data=data)
        except ValidationError as exc:
            review = forms.OnboardReviewForm()
            for message in exc.messages:
                review.add_error(None, message)
            self.storage.current_step = "review"
            return self.render(review)
        messages.success(self.request, f"{identity.name} was submitted and is pending approval.")
        return redirect("identities:detail", pk=identity.pk)
