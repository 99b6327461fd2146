from django import forms

from .services import API_TOKEN_MAX_DAYS


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. 'ci-deploy pipeline'.")
    days = forms.IntegerField(
        min_value=1, max_value=API_TOKEN_MAX_DAYS, initial=30, label="Valid for (days)"
    )
