"""Admin: approval policies are edited here (each save is a new version through the service,
with a reason in history); requests, decisions and grants are evidence, read-only."""

from django import forms
from django.contrib import admin

from core.history_admin import HistoryAdmin, ReadOnlyAdmin, ReadOnlyMixin

from . import services
from .models import ApprovalPolicy, Decision, Grant, PolicyEvaluation, Request


class ApprovalPolicyForm(forms.ModelForm):
    change_reason = forms.CharField(
        max_length=300, help_text="Why this change: it goes into the policy's history."
    )

    class Meta:
        model = ApprovalPolicy
        fields = services.POLICY_FIELDS


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(HistoryAdmin):
    form = ApprovalPolicyForm
    list_display = (
        "kind",
        "name",
        "version",
        "approver_domain",
        "approver_roles",
        "max_duration_hours",
        "break_glass",
    )
    list_select_related = ("approver_domain",)
    readonly_fields = ("kind", "version")

    def has_add_permission(self, request):
        return False  # one policy per kind, seeded

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.POLICY_FIELDS
        }
        updated = services.policy_update(
            actor=request.user, policy=obj, reason=form.cleaned_data["change_reason"], **changes
        )
        obj.version = updated.version


class EvaluationInline(ReadOnlyMixin, admin.StackedInline):
    model = PolicyEvaluation
    extra = 0
    readonly_fields = (
        "policy",
        "policy_version",
        "policy_snapshot",
        "inputs",
        "outcome",
        "reasons",
        "evaluated_at",
    )


@admin.register(Request)
class RequestAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "identity", "requester", "status", "created_at", "expires_at")
    list_filter = ("kind", "status")
    list_select_related = ("identity", "requester")
    search_fields = ("identity__name", "identity__external_id", "requester__username")
    inlines = [EvaluationInline]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("request", "decider", "outcome", "entitled_as", "decided_at")
    list_filter = ("outcome",)
    list_select_related = ("request__identity", "decider")


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "identity", "status", "starts_at", "expires_at", "review_due_at")
    list_filter = ("kind", "status")
    list_select_related = ("identity",)
    search_fields = ("identity__name", "identity__external_id")
