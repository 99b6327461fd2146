"""Pages for runtime access: the identity page's runtime panel (with "revoke all") and the
admins' trusted-issuer pages. Thin: rules live in services and selectors."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView

from core.roles import RoleRequiredMixin, is_admin
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


class IssuerEditView(AdminRequired, View):
    template_name = "runtime/issuer_form.html"

    def _issuer(self, pk):
        return selectors.issuer_get(user=self.request.user, pk=pk) if pk else None

    def get(self, request, pk=None):
        issuer = self._issuer(pk)
        return render(request, self.template_name, {"form": TrustedIssuerForm(instance=issuer)})

    def post(self, request, pk=None):
        issuer = self._issuer(pk)
        form = TrustedIssuerForm(request.POST, instance=issuer)
        if form.is_valid():
            try:
                services.issuer_save(actor=request.user, issuer=issuer, data=form.cleaned_data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(request, "Trusted issuer saved.")
                return redirect("runtime:issuers")
        return render(request, self.template_name, {"form": form}, status=422)


class DashboardPanel(TemplateView):
    template_name = "runtime/partials/_dashboard_panel.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **selectors.federation_counts(user=self.request.user), **kwargs
        )
