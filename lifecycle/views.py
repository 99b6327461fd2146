from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from core import tables
from core.pagination import BoundedCountPaginator
from core.views import ServiceFormView
from identities.selectors import identity_get

from . import selectors, services
from .forms import DecommissionForm
from .tables import RotationTable

WINDOWS = (7, 30, 90)


class RotationView(TemplateView):
    """Credentials by due date: overdue first, then what falls due within the window."""

    template_name = "lifecycle/rotation.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        try:
            window = int(self.request.GET.get("window", 30))
        except ValueError:
            window = 30
        window = window if window in WINDOWS else 30
        only_overdue = self.request.GET.get("overdue") == "1"
        user = self.request.user
        due = selectors.rotation_due(user=user, now=now, within_days=0 if only_overdue else window)
        return super().get_context_data(
            # exact counts up to 1,000 credentials, "1,000+" beyond (core/pagination.py)
            table=tables.configure(
                RotationTable(due, noun="credentials"),
                self.request,
                paginator_class=BoundedCountPaginator,
            ),
            overdue=selectors.overdue_credentials(user=user, now=now).count(),
            window=window,
            windows=WINDOWS,
            now=now,
            **kwargs,
        )


class IdentityRotationPanel(TemplateView):
    template_name = "lifecycle/partials/_identity_panel.html"

    def get_context_data(self, **kwargs):
        identity = identity_get(user=self.request.user, pk=kwargs["pk"])
        return super().get_context_data(
            identity=identity,
            due=selectors.identity_rotation(identity=identity),
            can_decommission=services.can_decommission(self.request.user, identity),
            now=timezone.now(),
            **kwargs,
        )


class DecommissionView(ServiceFormView):
    template_name = "lifecycle/decommission.html"
    form_class = DecommissionForm
    object_name = "identity"

    def get_object(self):
        identity = identity_get(user=self.request.user, pk=self.kwargs["pk"])
        if not services.can_decommission(self.request.user, identity):
            raise PermissionDenied
        return identity

    def perform(self, form):
        services.identity_decommission(
            actor=self.request.user, identity=self.object, reason=form.cleaned_data["reason"]
        )

    def success_message(self, form, result) -> str:
        return f"{self.object.name} is decommissioned."

    def success_url(self, result) -> str:
        return reverse("identities:detail", args=[self.object.pk])


class DashboardPanel(TemplateView):
    template_name = "lifecycle/partials/_dashboard_panel.html"

    def get_context_data(self, **kwargs):
        counts = selectors.dashboard_counts(user=self.request.user, now=timezone.now())
        return super().get_context_data(counts=counts, **kwargs)
