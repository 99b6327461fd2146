from rest_framework import serializers

from identities.models import Platform

from ..choices import ALLOWED_ALGORITHMS
from ..models import TrustedIssuer


class TrustedIssuerSerializer(serializers.ModelSerializer):
    platform = serializers.SlugRelatedField(slug_field="slug", queryset=Platform.objects.all())
    algorithms = serializers.ListField(
        child=serializers.ChoiceField(choices=ALLOWED_ALGORITHMS), allow_empty=False
    )
    jwks = serializers.JSONField(required=False)

    class Meta:
        model = TrustedIssuer
        fields = [
            "id",
            "platform",
            "name",
            "issuer",
            "audience",
            "jwks",
            "jwks_url",
            "jwks_fetched_at",
            "jwks_error",
            "algorithms",
            "subject_claim",
            "subject_mapping",
            "max_proof_lifetime_seconds",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "jwks_fetched_at", "jwks_error", "created_at", "updated_at"]
        # Uniqueness and the JWKS checks are the model's (full_clean in the service).
        validators = []
        extra_kwargs = {"issuer": {"validators": []}}
