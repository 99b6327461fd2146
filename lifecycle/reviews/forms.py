from django import forms
from django.contrib.auth import get_user_model

from identities.choices import IdentityKind, RiskTier
from identities.forms import NoSecretValuesMixin
from identities.models import Platform, Team

from ..choices import OverdueRule, ReviewDecision, ReviewerRule


class ScopeFields(forms.Form):
    teams = forms.ModelMultipleChoiceField(
        Team.objects.all(), required=False, to_field_name="slug", help_text="None: every team."
    )
    platforms = forms.ModelMultipleChoiceField(
        Platform.objects.all(), required=False, to_field_name="slug"
    )
    kinds = forms.MultipleChoiceField(choices=IdentityKind.choices, required=False)
    risk_tiers = forms.MultipleChoiceField(choices=RiskTier.choices, required=False)

    def scope(self) -> dict:
        data = self.cleaned_data
        return {
            "teams": [t.slug for t in data.get("teams") or []],
            "platforms": [p.slug for p in data.get("platforms") or []],
            "kinds": list(data.get("kinds") or []),
            "risk_tiers": list(data.get("risk_tiers") or []),
        }


class CampaignForm(NoSecretValuesMixin, ScopeFields):
    name = forms.CharField(max_length=200)
    starts_on = forms.DateField(widget=forms.DateInput({"type": "date"}))
    due_on = forms.DateField(widget=forms.DateInput({"type": "date"}))
    reviewer_rule = forms.ChoiceField(
        choices=ReviewerRule.choices, initial=ReviewerRule.ACCOUNTABLE
    )
    overdue_rule = forms.ChoiceField(choices=OverdueRule.choices, initial=OverdueRule.ESCALATE)
    field_order = ["name", "starts_on", "due_on", "reviewer_rule", "overdue_rule"]


class ScheduleForm(NoSecretValuesMixin, ScopeFields):
    name = forms.CharField(max_length=200)
    cadence_months = forms.IntegerField(min_value=1, max_value=36, initial=3)
    due_after_days = forms.IntegerField(min_value=1, max_value=365, initial=21)
    reviewer_rule = forms.ChoiceField(
        choices=ReviewerRule.choices, initial=ReviewerRule.ACCOUNTABLE
    )
    overdue_rule = forms.ChoiceField(choices=OverdueRule.choices, initial=OverdueRule.ESCALATE)
    field_order = ["name", "cadence_months", "due_after_days", "reviewer_rule", "overdue_rule"]


class DecideForm(NoSecretValuesMixin, forms.Form):
    decision = forms.ChoiceField(choices=ReviewDecision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional to keep; required to change or decommission.",
    )
    ends_on = forms.DateField(
        required=False,
        widget=forms.DateInput({"type": "date"}),
        help_text="For 'let it end': the date it ends.",
    )
    change_via = forms.ChoiceField(
        required=False,
        choices=[("edit", "Edit the identity"), ("request", "Ask for an exception")],
        initial="edit",
        widget=forms.RadioSelect,
        label="For 'change'",
    )


class BulkKeepForm(NoSecretValuesMixin, forms.Form):
    comment = forms.CharField(required=False, max_length=2000, label="One comment for all")


class ReassignForm(NoSecretValuesMixin, forms.Form):
    reviewer = forms.ModelChoiceField(
        get_user_model().objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
    )
    reason = forms.CharField(max_length=300)
