import json

from django import forms

from .choices import ALLOWED_ALGORITHMS
from .models import TrustedIssuer
from .services import ISSUER_FIELDS


class RevokeAllForm(forms.Form):
    """Revoke the live tokens of the identity, or only those issued under one of its grants
    (`grants`: (grant id, live count) pairs of the identity, from the panel's selector)."""

    reason = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"size": 40}))
    grant = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Which tokens"
    )

    def __init__(self, *args, grants=(), live=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grant"].choices = [("", f"All {live} of this identity")] + [
            (pk, f"Only grant #{pk} ({n} live)") for pk, n in grants
        ]


class TrustedIssuerForm(forms.ModelForm):
    algorithms = forms.MultipleChoiceField(
        choices=[(a, a) for a in ALLOWED_ALGORITHMS], widget=forms.CheckboxSelectMultiple
    )
    jwks = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="The issuer's public JWKS (JSON), or leave empty and give a JWKS URL.",
    )

    class Meta:
        model = TrustedIssuer
        fields = list(ISSUER_FIELDS)  # what issuer_save accepts, stated once

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.jwks:
            self.initial["jwks"] = json.dumps(self.instance.jwks, indent=2)

    def clean_jwks(self):
        raw = self.cleaned_data["jwks"].strip()
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise forms.ValidationError("This is not valid JSON.") from None

    def _post_clean(self):
        pass  # the service validates the model (full_clean) and reports its errors
