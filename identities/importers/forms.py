from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from ..choices import Environment, RiskTier
from ..models import ImportFormat
from ..selectors import onboarding_teams, platform_scope
from .files import TOO_LARGE, decode_upload
from .services import import_check_options


class ImportUploadForm(forms.Form):
    format = forms.ChoiceField(choices=ImportFormat.choices)
    team = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="Owns the imported identities (Steward files may name a team per row).",
    )
    platform = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="Where the file comes from: an AWS account for the credential report, "
        "a Kubernetes cluster for service accounts.",
    )
    environment = forms.ChoiceField(choices=Environment.choices, initial=Environment.PRODUCTION)
    risk_tier = forms.ChoiceField(choices=RiskTier.choices, initial=RiskTier.MEDIUM)
    include_default = forms.BooleanField(
        required=False, label="Include `default` service accounts (Kubernetes)"
    )
    # Last, so a browser sends every other field before it: a request refused for its size
    # (core/uploads.py stops reading at the file) keeps the choices made above it.
    file = forms.FileField(help_text="CSV or JSON, up to 10 MB. Metadata only: no secret values.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["team"].queryset = onboarding_teams(user)
        self.fields["platform"].queryset = platform_scope(user).order_by("name")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        return upload.name, decode_upload(upload.read())

    def refuse_oversized(self) -> None:
        """The request was over the size cap, so its file was never read (core/uploads.py)."""
        self.is_valid()
        self.errors.pop("file", None)  # not "required": it was refused unread
        self.add_error("file", TOO_LARGE)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            import_check_options(
                actor=self.user,
                format=data["format"],
                team=data.get("team"),
                platform=data.get("platform"),
            )
        except PermissionDenied as exc:
            self.add_error("team", str(exc))
        except ValidationError as exc:
            self.add_error(None, exc)
        return data

    @property
    def options(self) -> dict:
        d = self.cleaned_data
        return {
            "environment": d["environment"],
            "risk_tier": d["risk_tier"],
            "include_default": d["include_default"],
        }
