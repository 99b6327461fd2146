from datetime import datetime, timedelta

from django import forms
from django.contrib.auth import authenticate

from .services import API_TOKEN_MAX_DAYS
from .sessions import SIGNED_IN_AT, SessionLimitsMiddleware

# A person without a local password (single sign-on) proves it is them by a sign-in this
# recent instead of re-entering a password.
FRESH_SIGN_IN = timedelta(minutes=5)


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
        self.sso_only = not request.user.has_usable_password()
        if self.sso_only:
            del self.fields["password"]

    def clean(self):
        cleaned = super().clean()
        if self.sso_only and not self.signed_in_recently():
            raise forms.ValidationError(
                "A token acts as you: sign in again with single sign-on, then mint it "
                f"within {int(FRESH_SIGN_IN.total_seconds() // 60)} minutes."
            )
        return cleaned

    def signed_in_recently(self) -> bool:
        signed_in = self.request.session.get(SIGNED_IN_AT)
        if not signed_in:
            return False
        now = SessionLimitsMiddleware.clock()
        return now - datetime.fromisoformat(signed_in) <= FRESH_SIGN_IN

    def clean_password(self):
        """Re-authenticate through the configured backends, so wrong passwords here count
        towards the same lockout (django-axes) as the sign-in page."""
        password = self.cleaned_data["password"]
        user = self.request.user
        again = authenticate(self.request, username=user.get_username(), password=password)
        if again is None or again.pk != user.pk:
            raise forms.ValidationError("That is not your current password.")
        return password


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


def attach_errors(form, exc) -> None:
    """Show a service's ValidationError on the form: per field where it names one the form
    has, otherwise above the form. The form keeps what was typed."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class WebhookForm(forms.Form):
    name = forms.CharField(max_length=100)
    url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        label="URL",
        help_text="http(s) only; the host must resolve to a public address.",
    )
    kinds = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "approval_requested"}),
        label="Notification kinds",
        help_text="One kind per line; empty: every kind.",
    )
    active = forms.BooleanField(required=False, initial=True)

    @classmethod
    def for_hook(cls, hook, data=None):
        initial = None
        if hook is not None:
            initial = {"name": hook.name, "url": hook.url, "active": hook.active,
                       "kinds": "\n".join(hook.kinds)}  # fmt: skip
        return cls(data, initial=initial)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300, help_text="Required: it is kept with the change, as evidence."
    )
