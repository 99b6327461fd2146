from django import forms

from .services import API_TOKEN_MAX_DAYS


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. 'ci-deploy pipeline'.")
    days = forms.IntegerField(
        min_value=1, max_value=API_TOKEN_MAX_DAYS, initial=30, label="Valid for (days)"
    )


class OwnFieldsOnlyWizardMixin:
    """A form wizard keeps each step's submitted data in the session. Keep only the keys of
    the step form's own fields (and their widgets' sub-keys): anything else a client posts —
    unprefixed or unknown keys — never reaches the session."""

    def get_form_step_data(self, form):
        names = [form.add_prefix(name) for name in form.fields]
        own = form.data.copy()
        for key in list(own):
            if not any(key == name or key.startswith(f"{name}_") for name in names):
                del own[key]
        return own
