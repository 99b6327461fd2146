"""The approval-policy pages: admins and auditors read each policy and its versions; admins
edit it, each save a new version with its reason. Thin: services.policy_update writes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView

from core.forms import attach_errors
from core.roles import RoleRequiredMixin, can_read_all, is_admin
from core.tables import configure

from . import services
from .forms import PolicyForm
from .policy_versions import approvals_by_risk_text, policy_get, policy_list, policy_versions
from .tables import PolicyTable


class PolicyListView(RoleRequiredMixin, TemplateView):
    role_check = staticmethod(can_read_all)
    template_name = "approvals/policy_list.html"

    def get_context_data(self, **kwargs):
        table = PolicyTable(policy_list(user=self.request.user), noun="policies")
        return super().get_context_data(
            table=configure(table, self.request), can_edit=is_admin(self.request.user), **kwargs
        )


class PolicyDetailView(RoleRequiredMixin, TemplateView):
    role_check = staticmethod(can_read_all)
    template_name = "approvals/policy_detail.html"

    def get_context_data(self, pk, **kwargs):
        policy = policy_get(user=self.request.user, pk=pk)
        return super().get_context_data(
            policy=policy,
            approvals_text=approvals_by_risk_text(policy.approvals_by_risk),
            versions=policy_versions(policy=policy),
            can_edit=is_admin(self.request.user),
            **kwargs,
        )


class PolicyEditView(RoleRequiredMixin, View):
    """GET the form; POST a new version (the service refuses non-admins and empty reasons)."""

    role_check = staticmethod(is_admin)
    template_name = "approvals/policy_form.html"

    def get(self, request, pk):
        policy = policy_get(user=request.user, pk=pk)
        return self._render(request, PolicyForm(instance=policy))

    def post(self, request, pk):
        policy = policy_get(user=request.user, pk=pk)
        version = policy.version
        form = PolicyForm(request.POST, instance=policy)
        if form.is_valid():
            try:
                updated = services.policy_update(
                    actor=request.user,
                    policy=policy,
                    reason=form.cleaned_data["reason"],
                    **form.changes(),
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                if updated.version != version:
                    messages.success(request, f"Saved as version {updated.version}.")
                    return redirect(updated)
                form.add_error(None, "Nothing changed: a new version needs a changed rule.")
        return self._render(request, form, status=422)

    def _render(self, request, form, status=200):
        return render(request, self.template_name, {"form": form}, status=status)
