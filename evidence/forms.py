"""The evidence filters, shared by pages, exports, bundles and the API."""

import datetime as dt

from django import forms
from django.utils import timezone

from approvals.choices import RequestKind

EXPORT_CHOICES = [
    ("access", "Access evidence (requests and grants)"),
    ("lifecycle", "Lifecycle events"),
    ("raci", "RACI matrix (as of the period end)"),
    ("gaps", "Ownership gaps"),
    ("credentials", "Credential inventory"),
    ("posture", "Framework posture"),
    ("reviews", "Access reviews (who attested what, when)"),
]


class EvidenceFilterForm(forms.Form):
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput({"type": "date"})
    )
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))
    team = forms.SlugField(required=False, label="Team (slug)")
    platform = forms.SlugField(required=False, label="Platform (slug)")
    identity = forms.IntegerField(required=False, min_value=1, label="Identity id")
    kind = forms.ChoiceField(
        required=False, choices=[("", "any"), *RequestKind.choices], label="Request kind"
    )
    control = forms.CharField(required=False, max_length=100, label="Framework control")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The period ends before it starts.")
        return data

    def filters(self) -> dict:
        """The cleaned, non-empty filters (call after is_valid())."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def period(filters: dict) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[start of date_from, end of date_to] as aware datetimes."""
    start = end = None
    if filters.get("date_from"):
        start = timezone.make_aware(dt.datetime.combine(filters["date_from"], dt.time.min))
    if filters.get("date_to"):
        end = timezone.make_aware(dt.datetime.combine(filters["date_to"], dt.time.max))
    return start, end


def plain_filters(filters: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in filters.items()}
