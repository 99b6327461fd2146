"""API v1 for usage: strict input serializers and plain output serializers. Services decide."""

from rest_framework import serializers

from ..choices import SignalStatus
from ..models import Signal, UsageRecord


class UsageStrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo in a pipeline is an error, not ignored."""

    def validate(self, attrs):
        unknown = set(getattr(self, "initial_data", {}) or {}) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
        return attrs


class UsageRecordInputSerializer(serializers.Serializer):
    """One record as given; checked per row by the ingestion (errors come back per row)."""

    day = serializers.CharField(help_text="YYYY-MM-DD")
    source = serializers.CharField(max_length=100)
    identity = serializers.IntegerField(required=False, help_text="A Steward identity id.")
    platform = serializers.CharField(required=False, max_length=100, help_text="Platform slug.")
    external_id = serializers.CharField(required=False, max_length=500)
    calls = serializers.IntegerField(required=False, default=0)
    tokens = serializers.IntegerField(required=False, default=0)
    cost = serializers.CharField(required=False, default="0", help_text="Decimal, e.g. '12.50'.")
    currency = serializers.CharField(required=False, default="USD", max_length=3)


class UsageIngestInputSerializer(UsageStrictSerializer):
    records = serializers.ListField(child=serializers.DictField(), max_length=20000)
    dry_run = serializers.BooleanField(required=False, default=False)


class UsageRowResultSerializer(serializers.Serializer):
    ref = serializers.CharField()
    action = serializers.CharField()
    day = serializers.DateField(allow_null=True)
    source = serializers.CharField()
    identity = serializers.IntegerField(allow_null=True)
    identity_name = serializers.CharField()
    platform = serializers.CharField()
    external_id = serializers.CharField()
    calls = serializers.IntegerField()
    tokens = serializers.IntegerField()
    cost = serializers.CharField()
    currency = serializers.CharField()
    errors = serializers.ListField(child=serializers.CharField())


class UsageIngestResultSerializer(serializers.Serializer):
    applied = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    rows = UsageRowResultSerializer(many=True)


class UsageRecordSerializer(serializers.ModelSerializer):
    identity_name = serializers.CharField(source="identity.name", allow_null=True, default=None)
    team = serializers.CharField(source="identity.team.slug", allow_null=True, default=None)

    class Meta:
        model = UsageRecord
        fields = ["id", "day", "source", "identity", "identity_name", "team", "platform_ref",
                  "external_ref", "calls", "tokens", "cost", "currency", "created_at",
                  "updated_at"]  # fmt: skip


class SignalNoteOutSerializer(serializers.Serializer):
    author = serializers.CharField(source="author.username")
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class UsageSignalSerializer(serializers.ModelSerializer):
    identity_name = serializers.CharField(source="identity.name", allow_null=True, default=None)
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    resolved_by = serializers.CharField(
        source="resolved_by.username", allow_null=True, default=None
    )
    notes = SignalNoteOutSerializer(many=True, read_only=True)

    class Meta:
        model = Signal
        fields = ["id", "kind", "status", "severity", "day", "identity", "identity_name",
                  "platform_ref", "external_ref", "summary", "details", "cost", "currency",
                  "assignee", "resolved_by", "resolved_at", "resolution", "dismiss_reason",
                  "notes", "created_at", "updated_at"]  # fmt: skip


class SignalTriageInputSerializer(UsageStrictSerializer):
    status = serializers.ChoiceField(choices=SignalStatus.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    note = serializers.CharField(required=False, allow_blank=False, max_length=5000)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "status" not in attrs and "note" not in attrs:
            raise serializers.ValidationError({"status": "Give a status, a note, or both."})
        return attrs


class UsageErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
