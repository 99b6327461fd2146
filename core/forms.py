from django import forms
from django.contrib.auth import authenticate

from .services import API_TOKEN_MAX_DAYS


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. 'ci-deploy pipeline'.")
    days = forms.IntegerField(
        min_value=1, max_value=API_TOKEN_MAX_DAYS, initial=30, label="Valid for (days)"
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="A token acts as you: confirm it is you before minting one.",
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        """Re-authenticate through the configured backends, so wrong passwords here count
        towards the same lockout (django-axes) as the sign-in page."""
        password = self.cleaned_data["password"]
        user = self.request.user
        again = authenticate(self.request, username=user.get_username(), password=password)
        if again is None or again.pk != user.pk:
            raise forms.ValidationError("That is not your current password.")
        return password
