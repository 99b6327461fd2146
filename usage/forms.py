from django import forms
from django.core.exceptions import ValidationError

from .choices import SignalStatus

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class UsageUploadForm(forms.Form):
    """Step 1: a CSV file. Step 2 (apply) posts the previewed content back."""

    file = forms.FileField(
        required=False,
        help_text="CSV, up to 10 MB: day, source, identity or platform + external_id, "
        "calls, tokens, cost, currency.",
    )
    content = forms.CharField(required=False, widget=forms.HiddenInput)
    filename = forms.CharField(required=False, widget=forms.HiddenInput, max_length=255)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > MAX_UPLOAD_BYTES:
                raise ValidationError("The file is larger than 10 MB.")
            try:
                data["content"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError("The file is not UTF-8 text.") from None
            data["filename"] = upload.name
        elif not data.get("content"):
            raise ValidationError("Choose a CSV file.")
        if len(data["content"].encode()) > MAX_UPLOAD_BYTES:
            raise ValidationError("The file is larger than 10 MB.")
        return data


class TriageForm(forms.Form):
    status = forms.ChoiceField(choices=SignalStatus.choices)
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Note or reason",
        help_text="Required to dismiss; kept as the resolution when resolving.",
    )


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Note")
