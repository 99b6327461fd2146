"""Pages for runtime access: the identity page's runtime panel (with "revoke all") and the
admins' trusted-issuer pages. Thin: rules live in services and selectors."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from core.roles import RoleRequiredMixin, is_admin
from core.views import ServiceFormView
from identities.selectors import identity_get

from . import selectors, services
from .forms import RevokeAllForm, TrustedIssuerForm


def _panel(request, identity, *, form=None, errors=None, status=200):
    data = selectors.identity_runtime(identity=identity)
    return render(
        request,
        "runtime/partials/_identity_panel.html",
        {
            "identity": identity,
            "can_revoke": services.can_revoke_tokens(request.user, identity),
            "form": form or _revoke_form(data),
            "errors": errors or [],
            **data,
        },
        status=status,
    )


def _revoke_form(data: dict, post=None) -> RevokeAllForm:
    return RevokeAllForm(post, grants=data["live_by_grant"], live=data["live"])


class IdentityRuntimePanel(View):
    """GET: the runtime panel of one identity in the user's scope (else 404).
    POST: revoke all its live tokens, or those of one of its grants (its A/R owners and
    admins); the identity page's timeline reloads to show the event."""

    def get(self, request, pk):
        return _panel(request, identity_get(user=request.user, pk=pk))

    def post(self, request, pk):
        identity = identity_get(user=request.user, pk=pk)
        if not services.can_revoke_tokens(request.user, identity):
            raise PermissionDenied
        form = _revoke_form(selectors.identity_runtime(identity=identity), request.POST)
        if not form.is_valid():
            return _panel(request, identity, form=form, status=422)
        grant_id = form.cleaned_data["grant"]
        try:
            count = services.tokens_revoke_all(
                actor=request.user,
                reason=form.cleaned_data["reason"],
                **(
                    {"grant": selectors.identity_grant(identity=identity, pk=grant_id)}
                    if grant_id
                    else {"identity": identity}
                ),
            )
        except ValidationError as exc:
            return _panel(request, identity, form=form, errors=exc.messages, status=422)
        messages.success(request, f"{count} token(s) revoked.")
        response = _panel(request, identity)
        response["HX-Trigger"] = "timeline-changed"
        return response


class AdminRequired(RoleRequiredMixin):
    role_check = staticmethod(is_admin)


class IssuerListView(AdminRequired, TemplateView):
    template_name = "runtime/issuer_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            issuers=selectors.issuer_list(user=self.request.user), **kwargs
        )


class IssuerEditView(AdminRequired, ServiceFormView):
    template_name = "runtime/issuer_form.html"
    object_name = "issuer"
    error_status = 422

    def get_object(self):
        pk = self.kwargs.get("pk")
        return selectors.issuer_get(user=self.request.user, pk=pk) if pk else None

    def get_form(self, data=None):
        return TrustedIssuerForm(data, instance=self.object)

    def perform(self, form):
        services.issuer_save(actor=self.request.user, issuer=self.object, data=form.cleaned_data)

    def success_message(self, form, result) -> str:
        return "Trusted issuer saved."

    def success_url(self, result) -> str:
        return reverse("runtime:issuers")


class DashboardPanel(TemplateView):
    template_name = "runtime/partials/_dashboard_panel.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **selectors.federation_counts(user=self.request.user), **kwargs
        )
