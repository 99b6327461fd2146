"""Forms of the approvals app; the onboarding wizard's steps come first."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import timezone

from core.templatetags.steward import hours_human
from identities.choices import Environment, IdentityKind, RiskTier
from identities.forms import NoSecretValuesMixin
from identities.models import Identity, Platform
from identities.selectors import onboarding_teams
from identities.services import IDENTITY_IDENTIFIER_FIELDS

from .models import ApprovalPolicy
from .policy import CLOCK_SKEW_MINUTES
from .policy_versions import HOUR_FIELDS, LABELS
from .scopes import clean_scopes
from .services import POLICY_FIELDS, REJECT_NEEDS_REASON


class OnboardIdentityForm(NoSecretValuesMixin, forms.Form):
    identifier_fields = IDENTITY_IDENTIFIER_FIELDS

    name = forms.CharField(max_length=200, help_text="A short, unique-in-team name.")
    kind = forms.ChoiceField(choices=IdentityKind.choices)
    team = forms.ModelChoiceField(queryset=None, help_text="Teams you belong to.")
    platform = forms.ModelChoiceField(queryset=Platform.objects.all())
    external_id = forms.CharField(
        max_length=500,
        label="External id",
        help_text="ARN, SPIFFE id, OAuth client id, Kubernetes namespace/name …",
    )
    environment = forms.ChoiceField(choices=Environment.choices)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = onboarding_teams(user)

    def clean(self):
        cleaned = super().clean()
        platform, external_id = cleaned.get("platform"), cleaned.get("external_id")
        if (
            platform
            and external_id
            and Identity.objects.filter(platform=platform, external_id=external_id.strip()).exists()
        ):
            self.add_error("external_id", f"{external_id!r} is already registered on {platform}.")
        return cleaned


class OnboardPurposeForm(NoSecretValuesMixin, forms.Form):
    purpose = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What it does and why; approvers decide on this.",
    )
    risk_tier = forms.ChoiceField(choices=RiskTier.choices, initial=RiskTier.MEDIUM)
    ends_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="End date",
        help_text="Task-bound identities end when their task does.",
    )

    def clean_ends_on(self):
        ends_on = self.cleaned_data.get("ends_on")
        if ends_on and ends_on <= timezone.localdate():
            raise forms.ValidationError("The end date must be in the future.")
        return ends_on


class OnboardEntitlementsForm(NoSecretValuesMixin, forms.Form):
    entitlements = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "ledger:read\nledger:write"}),
        help_text="One scope or permission per line.",
    )

    def clean_entitlements(self):
        raw = self.cleaned_data.get("entitlements", "")
        return [line.strip() for line in raw.splitlines() if line.strip()]


class OnboardReviewForm(forms.Form):
    confirm = forms.BooleanField(
        label="The details are correct; submit for approval.", required=True
    )


# --- requests -----------------------------------------------------------------------------
class ScopesFieldMixin(forms.Form):
    scopes = forms.CharField(
        required=False,
        max_length=2000,
        label="Runtime scopes",
        help_text="OAuth scopes a workload may get tokens for under this grant, separated by "
        "spaces (e.g. payments:write). Leave empty if no runtime token needs it.",
    )

    def clean_scopes(self):
        try:
            return clean_scopes(self.cleaned_data.get("scopes", ""))
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["scopes"]) from None


class ExceptionRequestForm(ScopesFieldMixin, NoSecretValuesMixin, forms.Form):
    excepted_policy = forms.CharField(
        max_length=200, label="Policy excepted", help_text="e.g. 'credentials rotate every 90 days'"
    )
    scope = forms.CharField(max_length=300, help_text="What exactly the exception covers.")
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    compensating_controls = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What reduces the risk while the exception lasts.",
    )
    until = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Every exception ends; the policy caps how long.",
    )
    field_order = ["excepted_policy", "scope", "scopes"]

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        if policy is not None:
            latest = timezone.localtime() + timedelta(hours=policy.max_duration_hours)
            self.fields["until"].help_text = (
                f"Every exception ends: at most {hours_human(policy.max_duration_hours)} "
                f"from now (by {latest:%Y-%m-%d %H:%M})."
            )
            self.fields["until"].widget.attrs["max"] = f"{latest:%Y-%m-%dT%H:%M}"

    def clean_until(self):
        until = self.cleaned_data["until"]
        if self.policy is not None:  # also the evaluation's rule; said here on the field
            cap = timedelta(hours=self.policy.max_duration_hours)
            asked = until - timezone.now()
            if asked > cap + timedelta(minutes=CLOCK_SKEW_MINUTES):
                raise forms.ValidationError(
                    f"Asks for {hours_human(asked.total_seconds() / 3600)}; "
                    f"the policy allows at most {hours_human(self.policy.max_duration_hours)}."
                )
        return until


class EmergencyRequestForm(ScopesFieldMixin, NoSecretValuesMixin, forms.Form):
    access_requested = forms.CharField(max_length=300, label="Access needed")
    field_order = ["access_requested", "scopes"]
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why")
    incident_reference = forms.CharField(max_length=100, help_text="e.g. INC-2041")
    duration_hours = forms.FloatField(
        min_value=0.25, max_value=24 * 7, initial=2, label="For how long (hours)"
    )

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        if policy is not None:  # the policy's cap, before submit (the evaluation enforces it)
            field, cap = self.fields["duration_hours"], policy.max_duration_hours
            field.max_value = cap
            field.validators = [v for v in field.validators if v.code != "max_value"]
            field.validators.append(MaxValueValidator(cap))
            field.widget.attrs["max"] = cap
            field.initial = min(policy.default_duration_hours, cap)
            field.help_text = f"At most {hours_human(cap)} under the policy."


class RenewalForm(NoSecretValuesMixin, forms.Form):
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    duration_hours = forms.FloatField(min_value=0.25, label="Extend by (hours)")


class DecisionForm(NoSecretValuesMixin, forms.Form):
    outcome = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    granted_start = forms.DateTimeField(
        required=False,
        label="Start later (optional)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    granted_end = forms.DateTimeField(
        required=False,
        label="End earlier (optional)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean(self):
        data = super().clean()
        # Also enforced by services.request_decide; here so the form says it before posting.
        if data.get("outcome") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", REJECT_NEEDS_REASON)
        return data


class RevokeForm(NoSecretValuesMixin, forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(NoSecretValuesMixin, forms.Form):
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Post-incident review",
        help_text="What happened, was the access used as asked, what follows.",
    )


# --- approval policies (admins) -----------------------------------------------------------
class PolicyForm(NoSecretValuesMixin, forms.ModelForm):
    """A policy's rules, the approvals each risk tier needs as one number per tier, and the
    reason for the change (it goes into the new version's history)."""

    reason = forms.CharField(
        max_length=300,
        label="Reason for the change",
        help_text="Required: it is recorded with the new version, as evidence.",
    )

    class Meta:
        model = ApprovalPolicy
        fields = [f for f in POLICY_FIELDS if f != "approvals_by_risk"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name in LABELS:
                field.label = LABELS[name] + (" (hours)" if name in HOUR_FIELDS else "")
        by_risk = self.instance.approvals_by_risk or {}
        for tier, label in RiskTier.choices:
            self.fields[f"approvals_{tier}"] = forms.IntegerField(
                min_value=1, max_value=10, initial=by_risk.get(tier, 1),
                label=f"Approvals for {label.lower()} risk",
            )  # fmt: skip
        self.order_fields([*self.Meta.fields[:4], *(f"approvals_{t}" for t in RiskTier)])

    def clean(self):
        data = super().clean()
        default, longest = data.get("default_duration_hours"), data.get("max_duration_hours")
        if default is not None and longest is not None and default > longest:
            self.add_error(
                "default_duration_hours",
                f"The default cannot be longer than the longest allowed ({longest} hours).",
            )
        return data

    def changes(self) -> dict:
        """The submitted rules as the service takes them (it keeps only what differs)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["approvals_by_risk"] = {
            tier.value: self.cleaned_data[f"approvals_{tier}"]
            for tier in RiskTier
            if self.cleaned_data[f"approvals_{tier}"] != 1
        }
        return data

    def _post_clean(self):
        pass  # the service validates the new version (full_clean) and reports its errors
