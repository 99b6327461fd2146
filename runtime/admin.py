"""Admin: the runtime policy is edited here (each save a new version through the service,
with a reason in history); exchanges, tokens and resource servers are evidence, read-only
(issuers have their own pages; resource-server credentials: `manage.py
create_resource_server`)."""

from django import forms
from django.contrib import admin

from core.history_admin import HistoryAdmin

from . import services
from .models import IssuedToken, ResourceServer, RuntimePolicy, TokenExchange, TrustedIssuer

POLICY_FIELDS = ("name", *RuntimePolicy.RULE_FIELDS)


class RuntimePolicyForm(forms.ModelForm):
    change_reason = forms.CharField(
        max_length=300, help_text="Why this change: it goes into the policy's history."
    )

    class Meta:
        model = RuntimePolicy
        fields = POLICY_FIELDS


@admin.register(RuntimePolicy)
class RuntimePolicyAdmin(HistoryAdmin):
    form = RuntimePolicyForm
    list_display = ("name", "version", "max_lifetime_seconds", "gap_refusal_tiers")
    readonly_fields = ("key", "version")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changes = {n: form.cleaned_data[n] for n in form.changed_data if n in POLICY_FIELDS}
        updated = services.runtime_policy_update(
            actor=request.user, reason=form.cleaned_data["change_reason"], **changes
        )
        obj.version = updated.version


class ReadOnly(HistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrustedIssuer)
class TrustedIssuerAdmin(ReadOnly):
    list_display = ("name", "platform", "issuer", "audience", "subject_mapping", "active")
    list_select_related = ("platform",)


@admin.register(TokenExchange)
class TokenExchangeAdmin(ReadOnly):
    list_display = ("evaluated_at", "outcome", "error", "identity", "subject", "policy_version")
    list_filter = ("outcome", "error")
    list_select_related = ("identity",)


@admin.register(IssuedToken)
class IssuedTokenAdmin(ReadOnly):
    list_display = ("jti", "identity", "grant", "issued_at", "expires_at", "revoked_at")
    list_select_related = ("identity",)
    search_fields = ("jti",)


@admin.register(ResourceServer)
class ResourceServerAdmin(ReadOnly):
    list_display = ("name", "client_id", "created_at", "revoked_at")
    exclude = ("digest",)
