"""Forms for the registry pages. Every form refuses secret values in any submitted field."""

from django import forms

from .choices import CredentialKind, Environment, IdentityKind, RiskTier
from .credentials import CREDENTIAL_IDENTIFIER_FIELDS
from .secrets import find_secret_values

IGNORED_POST_KEYS = {"csrfmiddlewaretoken"}


class NoSecretValuesMixin:
    """Refuse the whole submission when any field — declared or not — carries a secret.

    Checks the raw submitted data, so an unexpected `secret=` or `token=` field is refused
    too, with the field named."""

    identifier_fields: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        submitted = {
            key.split("-", 1)[-1] if self.prefix else key: value
            for key, value in self.data.items()
            if key not in IGNORED_POST_KEYS and (not self.prefix or key.startswith(self.prefix))
        }
        for field, message in find_secret_values(
            submitted, identifier_fields=self.identifier_fields
        ).items():
            if field in self.fields:
                self.add_error(field, message)
            else:
                self.add_error(None, f"{field}: {message}")
        return cleaned


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CredentialForm(NoSecretValuesMixin, forms.Form):
    identifier_fields = CREDENTIAL_IDENTIFIER_FIELDS

    kind = forms.ChoiceField(choices=CredentialKind.choices)
    label = forms.CharField(max_length=200, help_text="What it is, e.g. 'deploy key'.")
    key_id = forms.CharField(
        max_length=200, required=False, label="Key id", help_text="Public id, e.g. AKIA… key id."
    )
    storage_location = forms.CharField(
        max_length=500, required=False, help_text="Vault path or secret-manager ARN."
    )
    fingerprint = forms.CharField(max_length=200, required=False, help_text="e.g. SHA256:…")
    last_chars = forms.CharField(
        max_length=6, required=False, label="Last characters", help_text="Up to 6, as a hint."
    )
    issued_at = forms.DateTimeField(required=False, widget=DateTimeLocalInput())
    expires_at = forms.DateTimeField(required=False, widget=DateTimeLocalInput())


class CredentialRotateForm(NoSecretValuesMixin, forms.Form):
    identifier_fields = CREDENTIAL_IDENTIFIER_FIELDS

    key_id = forms.CharField(max_length=200, required=False, label="New key id")
    fingerprint = forms.CharField(max_length=200, required=False, label="New fingerprint")
    last_chars = forms.CharField(max_length=6, required=False, label="New last characters")
    expires_at = forms.DateTimeField(required=False, widget=DateTimeLocalInput())


class ReasonForm(NoSecretValuesMixin, forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class IdentityEditForm(NoSecretValuesMixin, forms.Form):
    """What an owner may change on an identity; status changes go through their own flows."""

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=IdentityKind.choices)
    environment = forms.ChoiceField(choices=Environment.choices)
    risk_tier = forms.ChoiceField(choices=RiskTier.choices)
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    entitlements = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="One per line."
    )
    ends_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="End date"
    )
    reason = forms.CharField(
        max_length=300, help_text="Why it changes: recorded in the history and timeline."
    )

    def clean_entitlements(self):
        raw = self.cleaned_data.get("entitlements", "")
        return [line.strip() for line in raw.splitlines() if line.strip()]

    @classmethod
    def initial_for(cls, identity) -> dict:
        fields = ("name", "kind", "environment", "risk_tier", "purpose", "ends_on")
        initial = {f: getattr(identity, f) for f in fields}
        initial["entitlements"] = "\n".join(identity.entitlements)
        return initial
