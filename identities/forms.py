"""Forms for the registry pages. Every form refuses secret values in any submitted field."""

from django import forms

from core.forms import attach_errors

from .choices import CredentialKind, Environment, IdentityKind, PlatformKind, RiskTier
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
        found = find_secret_values(submitted, identifier_fields=self.identifier_fields)
        if found:
            # a field the form does not have is named in the error shown above the form
            named = {f: m if f in self.fields else f"{f}: {m}" for f, m in found.items()}
            attach_errors(self, forms.ValidationError(named))
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


# --- the directory (admins) ----------------------------------------------------------------
REASON_HELP = "Required: kept with the change, as evidence."


class TeamForm(NoSecretValuesMixin, forms.Form):
    """A new team (slug and reason-free) or a change to one (a reason, no slug)."""

    name = forms.CharField(max_length=100)
    slug = forms.SlugField(
        max_length=100, required=False, help_text="Names the team's group; empty: from the name."
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(max_length=300, help_text=REASON_HELP)

    def __init__(self, *args, team=None, **kwargs):
        if team is not None:
            kwargs.setdefault("initial", {"name": team.name, "description": team.description})
        super().__init__(*args, **kwargs)
        del self.fields["slug" if team is not None else "reason"]


class PlatformForm(NoSecretValuesMixin, forms.Form):
    name = forms.CharField(max_length=100)
    slug = forms.SlugField(max_length=100, required=False, help_text="Empty: from the name.")
    kind = forms.ChoiceField(choices=PlatformKind.choices)
    owning_team = forms.ModelChoiceField(queryset=None, required=False, label="Owning team")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(max_length=300, help_text=REASON_HELP)

    def __init__(self, *args, platform=None, teams=None, **kwargs):
        if platform is not None:
            kwargs.setdefault(
                "initial",
                {"name": platform.name, "kind": platform.kind, "description": platform.description,
                 "owning_team": platform.owning_team_id},
            )  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["owning_team"].queryset = teams
        del self.fields["slug" if platform is not None else "reason"]


class MemberForm(NoSecretValuesMixin, forms.Form):
    """Add a person to a team (active people not in it yet)."""

    user = forms.ModelChoiceField(queryset=None, label="Person")
    reason = forms.CharField(max_length=300, help_text=REASON_HELP)

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = person_label


class PersonReasonForm(NoSecretValuesMixin, forms.Form):
    """A role to grant or revoke (where asked), and the reason for any change to a person."""

    role = forms.ChoiceField(choices=[], required=False)
    reason = forms.CharField(max_length=300, help_text=REASON_HELP)

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles:
            self.fields["role"].choices = roles
            self.fields["role"].required = True
        else:
            del self.fields["role"]


def person_label(user) -> str:
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username
