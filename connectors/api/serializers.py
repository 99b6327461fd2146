from rest_framework import serializers

from ..choices import AckOutcome
from ..models import RevocationJob


class RevocationSerializer(serializers.ModelSerializer):
    platform = serializers.CharField(source="connector.platform.slug", read_only=True)
    principal = serializers.CharField(source="identity.external_id", read_only=True)
    identity_id = serializers.IntegerField(read_only=True)
    credential_id = serializers.IntegerField(read_only=True)
    key_id = serializers.CharField(source="credential.key_id", read_only=True)
    label = serializers.CharField(source="credential.label", read_only=True)

    class Meta:
        model = RevocationJob
        fields = [
            "id", "platform", "identity_id", "principal", "credential_id", "key_id", "label",
            "action", "reason", "status", "attempts", "next_attempt_at", "last_error",
            "platform_request_id", "platform_reference", "source_state", "confirmed_at",
            "escalated_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class RevocationAckInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=AckOutcome.choices)
    request_id = serializers.CharField(
        max_length=200, help_text="The `id` of the credential.revocation_requested event."
    )
    reference = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="The platform's reference."
    )
    detail = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, help_text="Why it failed."
    )


class RevocationErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
