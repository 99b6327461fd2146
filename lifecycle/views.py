from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from core import tables
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
            table=tables.configure(RotationTable(due, noun="credentials"), self.request),
            total=len(due),
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


class DecommissionView(View):
    template_name = "lifecycle/decommission.html"

    def _identity(self, request, pk):
        identity = identity_get(user=request.user, pk=pk)
        if not services.can_decommission(request.user, identity):
            raise PermissionDenied
        return identity

    def get(self, request, pk):
        identity = self._identity(request, pk)
        return render(
            request, self.template_name, {"identity": identity, "form": DecommissionForm()}
        )

    def post(self, request, pk):
        identity = self._identity(request, pk)
        form = DecommissionForm(request.POST)
        if form.is_valid():
            try:
                services.identity_decommission(
                    actor=request.user, identity=identity, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, f"{identity.name} is decommissioned.")
                return redirect("identities:detail", pk=identity.pk)
        ctx = {"identity": identity, "form": form}
        return render(request, self.template_name, ctx, status=400)


class DashboardPanel(TemplateView):
    template_name = "lifecycle/partials/_dashboard_panel.html"

    def get_context_data(self, **kwargs):
        counts = selectors.dashboard_counts(user=self.request.user, now=timezone.now())
        return super().get_context_data(counts=counts, **kwargs)
