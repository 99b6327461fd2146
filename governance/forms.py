import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from identities.models import Team

from .choices import ROLE_ORDER, Role
from .models import ControlDomain

ROLE_CHOICES = [(r, f"{r} — {Role(r).label}") for r in ROLE_ORDER]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        label = f"{name} ({obj.get_username()})" if name else obj.get_username()
        return label if obj.is_active else f"{label} (deactivated)"


class AssignmentForm(forms.Form):
    """One RACI entry for a given (domain, scope); the service enforces the rules."""

    role = forms.ChoiceField(choices=ROLE_CHOICES)
    # Deactivated people are listed (marked) so the service can say why they cannot be an A.
    assignee_user = PersonChoiceField(
        queryset=get_user_model().objects.order_by("-is_active", "username"),
        required=False,
        label="Person",
    )
    assignee_team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        label="or team (R, C, I)",
        to_field_name="slug",
    )
    reason = forms.CharField(
        max_length=300, label="Change reason", help_text="Required: it goes into history."
    )
    replace = forms.BooleanField(required=False, label="Replace the current A")

    def clean(self):
        data = super().clean()
        if bool(data.get("assignee_user")) == bool(data.get("assignee_team")):
            raise forms.ValidationError("Choose exactly one person or one team.")
        return data


class IdentityOverrideForm(AssignmentForm):
    domain = forms.ModelChoiceField(
        queryset=ControlDomain.objects.all(), to_field_name="key", label="Domain"
    )
    field_order = ["domain", "role", "assignee_user", "assignee_team", "reason", "replace"]


class AsOfForm(forms.Form):
    as_of = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def moment(self):
        """The end of the asked day (the matrix as it stood then); None for now."""
        as_of = self.cleaned_data.get("as_of")
        return timezone.make_aware(dt.datetime.combine(as_of, dt.time.max)) if as_of else None
