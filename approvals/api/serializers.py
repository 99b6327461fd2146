"""API v1 for approvals: strict input serializers (unknown fields are refused) and plain
output serializers. No rules here: services decide."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import DecisionOutcome, RequestKind
from ..models import Decision, Grant, PolicyEvaluation, Request
from ..scopes import MAX_SCOPE_LENGTH, MAX_SCOPES, clean_scopes


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo in a pipeline is an error, not ignored."""

    def validate(self, attrs):
        unknown = set(getattr(self, "initial_data", {}) or {}) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
        return attrs


class RequestCreateInputSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    identity = serializers.IntegerField(help_text="Id of an identity you can see.")
    requested_start = serializers.DateTimeField(required=False, help_text="Default: now.")
    requested_end = serializers.DateTimeField(required=False)
    duration_hours = serializers.FloatField(
        required=False, min_value=0.01, help_text="Instead of requested_end; default by policy."
    )
    renews = serializers.IntegerField(required=False, help_text="Id of the grant to renew.")
    justification = serializers.CharField(required=False, allow_blank=True, default="")
    excepted_policy = serializers.CharField(required=False, allow_blank=True, max_length=200)
    scope = serializers.CharField(required=False, allow_blank=True, max_length=300)
    compensating_controls = serializers.CharField(required=False, allow_blank=True)
    access_requested = serializers.CharField(required=False, allow_blank=True, max_length=300)
    incident_reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    scopes = serializers.ListField(
        child=serializers.CharField(max_length=MAX_SCOPE_LENGTH),
        required=False,
        max_length=MAX_SCOPES,
        help_text="Runtime scopes (OAuth scope tokens) the grant is to cover, e.g. payments:write.",
    )

    def validate_scopes(self, value):
        try:
            return clean_scopes(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["scopes"]) from None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "requested_end" in attrs and "duration_hours" in attrs:
            raise serializers.ValidationError(
                {"duration_hours": "Give requested_end or duration_hours, not both."}
            )
        return attrs


class DecideInputSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    granted_start = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Start later than asked (optional)."
    )
    granted_end = serializers.DateTimeField(
        required=False, allow_null=True, help_text="End earlier than asked (optional)."
    )


class RevokeInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)


class LinkCredentialInputSerializer(StrictSerializer):
    credential = serializers.IntegerField(help_text="Id of a credential of the grant's identity.")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class RefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


def _user(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": user.get_full_name()}


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class EvaluationSerializer(serializers.ModelSerializer):
    policy = serializers.CharField(source="policy.kind")
    policy_name = serializers.CharField(source="policy.name")
    outcome = serializers.CharField(
        help_text="needs_approval, active_at_once (break-glass) or refused."
    )

    class Meta:
        model = PolicyEvaluation
        fields = [
            "policy",
            "policy_name",
            "policy_version",
            "policy_snapshot",
            "inputs",
            "outcome",
            "reasons",
            "evaluated_at",
        ]


class DecisionSerializer(serializers.ModelSerializer):
    decider = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "decider",
            "outcome",
            "comment",
            "entitled_as",
            "granted_start",
            "granted_end",
            "decided_at",
        ]

    def get_decider(self, obj) -> UserRefSerializer:
        return _user(obj.decider)


class GrantSerializer(serializers.ModelSerializer):
    request = serializers.IntegerField(source="request_id")
    scopes = serializers.ListField(
        child=serializers.CharField(), source="request.scopes", read_only=True
    )
    identity = serializers.IntegerField(source="identity_id")
    ended_by = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()

    class Meta:
        model = Grant
        fields = [
            "id",
            "request",
            "identity",
            "kind",
            "status",
            "scopes",
            "starts_at",
            "expires_at",
            "ended_at",
            "ended_by",
            "end_reason",
            "review_due_at",
            "reviewed_at",
            "reviewed_by",
        ]

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_ended_by(self, obj):
        return _user(obj.ended_by)

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_reviewed_by(self, obj):
        return _user(obj.reviewed_by)


class RequestIdentitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    external_id = serializers.CharField()
    status = serializers.CharField()
    risk_tier = serializers.CharField()


class RequestSerializer(serializers.ModelSerializer):
    identity = serializers.SerializerMethodField()
    requester = serializers.SerializerMethodField()
    evaluation = EvaluationSerializer(read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    grant = serializers.SerializerMethodField()

    class Meta:
        model = Request
        fields = [
            "id",
            "kind",
            "status",
            "identity",
            "requester",
            "justification",
            "excepted_policy",
            "scope",
            "compensating_controls",
            "access_requested",
            "incident_reference",
            "scopes",
            "requested_start",
            "requested_end",
            "approvals_required",
            "renews",
            "expires_at",
            "decided_at",
            "created_at",
            "evaluation",
            "decisions",
            "grant",
        ]

    def get_identity(self, obj) -> RequestIdentitySerializer:
        i = obj.identity
        return {
            "id": i.pk,
            "name": i.name,
            "external_id": i.external_id,
            "status": i.status,
            "risk_tier": i.risk_tier,
        }

    def get_requester(self, obj) -> UserRefSerializer:
        return _user(obj.requester)

    @extend_schema_field(GrantSerializer(allow_null=True))
    def get_grant(self, obj):
        grant = getattr(obj, "grant", None)
        return GrantSerializer(grant).data if grant is not None else None
