from django import forms

from identities.forms import NoSecretValuesMixin


class DecommissionForm(NoSecretValuesMixin, forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why it ends; recorded on every revocation and in the evidence.",
    )
    confirm = forms.BooleanField(
        label="Revoke its credentials, end its grants and close its requests.", required=True
    )
