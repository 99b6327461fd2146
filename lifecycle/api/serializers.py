"""API v1 for access reviews: strict inputs, plain outputs. Services decide."""

from rest_framework import serializers

from ..choices import OverdueRule, ReviewDecision, ReviewerRule
from ..models import ReviewCampaign, ReviewItem, ReviewSchedule


class StrictSerializer(serializers.Serializer):
    def validate(self, attrs):
        unknown = set(getattr(self, "initial_data", {}) or {}) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
        return attrs


class ReviewScopeSerializer(serializers.Serializer):
    teams = serializers.ListField(child=serializers.SlugField(), required=False)
    platforms = serializers.ListField(child=serializers.SlugField(), required=False)
    kinds = serializers.ListField(child=serializers.CharField(), required=False)
    risk_tiers = serializers.ListField(child=serializers.CharField(), required=False)


class ReviewCampaignInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    starts_on = serializers.DateField()
    due_on = serializers.DateField()
    scope = ReviewScopeSerializer(required=False)
    reviewer_rule = serializers.ChoiceField(
        choices=ReviewerRule.choices, default=ReviewerRule.ACCOUNTABLE
    )
    overdue_rule = serializers.ChoiceField(
        choices=OverdueRule.choices, default=OverdueRule.ESCALATE
    )


class ReviewScheduleInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    scope = ReviewScopeSerializer(required=False)
    reviewer_rule = serializers.ChoiceField(
        choices=ReviewerRule.choices, default=ReviewerRule.ACCOUNTABLE
    )
    cadence_months = serializers.IntegerField(min_value=1, max_value=36, default=3)
    due_after_days = serializers.IntegerField(min_value=1, max_value=365, default=21)
    overdue_rule = serializers.ChoiceField(
        choices=OverdueRule.choices, default=OverdueRule.ESCALATE
    )


class ReviewDecideInputSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReviewReassignInputSerializer(StrictSerializer):
    reviewer = serializers.IntegerField(help_text="Id of an active user.")
    reason = serializers.CharField(max_length=300)


class ReviewScheduleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewSchedule
        fields = [
            "id", "name", "scope", "reviewer_rule", "cadence_months", "due_after_days",
            "overdue_rule", "active", "created_at",
        ]  # fmt: skip


class ReviewCampaignSerializer(serializers.ModelSerializer):
    total = serializers.IntegerField(read_only=True, required=False)
    decided = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = ReviewCampaign
        fields = [
            "id", "name", "schedule", "period_start", "scope", "reviewer_rule", "starts_on",
            "due_on", "overdue_rule", "status", "launched_at", "closed_at", "total", "decided",
        ]  # fmt: skip


class ReviewItemSerializer(serializers.ModelSerializer):
    identity_name = serializers.CharField(source="identity.name", read_only=True)
    team = serializers.CharField(source="identity.team.name", read_only=True)
    risk_tier = serializers.CharField(source="identity.risk_tier", read_only=True)
    reviewer_username = serializers.CharField(
        source="reviewer.username", read_only=True, allow_null=True, default=None
    )
    decided_by_username = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ReviewItem
        fields = [
            "id", "campaign", "identity", "identity_name", "team", "risk_tier", "reviewer",
            "reviewer_username", "assigned_reason", "is_gap", "decision", "comment",
            "decided_at", "decided_by", "decided_by_username", "ends_on", "overdue_action",
            "overdue_at",
        ]  # fmt: skip


class ReviewErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
