from django.contrib.auth import get_user_model
from rest_framework import serializers

from identities.models import Identity, Platform, Team

from ..choices import Role, Scope
from ..models import Assignment, ControlDomain


class ControlDomainSerializer(serializers.ModelSerializer):
    class Meta:
        model = ControlDomain
        fields = ["id", "key", "name", "function", "description", "decision_rights", "position"]
        read_only_fields = ["id"]


class ControlDomainInputSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=120)
    function = serializers.CharField(max_length=80, required=False, default="")
    description = serializers.CharField(required=False, default="", allow_blank=True)
    decision_rights = serializers.ListField(child=serializers.CharField(), required=False)
    position = serializers.IntegerField(required=False, default=100, min_value=0)
    reason = serializers.CharField(
        required=False, default="", max_length=100, help_text="Kept in the history."
    )


def user_ref(user) -> dict | None:
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.get_full_name(),
        "is_active": user.is_active,
    }


def team_ref(team) -> dict | None:
    return None if team is None else {"id": team.pk, "slug": team.slug, "name": team.name}


class AssignmentSerializer(serializers.ModelSerializer):
    domain = serializers.SlugRelatedField(slug_field="key", read_only=True)
    scope_id = serializers.SerializerMethodField()
    scope_label = serializers.CharField(read_only=True)
    assignee_user = serializers.SerializerMethodField()
    assignee_team = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "domain",
            "scope_kind",
            "scope_id",
            "scope_label",
            "role",
            "assignee_user",
            "assignee_team",
            "created_at",
        ]

    def get_scope_id(self, obj) -> int | None:
        return obj.platform_id or obj.team_id or obj.identity_id

    def get_assignee_user(self, obj) -> dict | None:
        return user_ref(obj.assignee_user)

    def get_assignee_team(self, obj) -> dict | None:
        return team_ref(obj.assignee_team)


SCOPE_MODELS = {Scope.PLATFORM: Platform, Scope.TEAM: Team, Scope.IDENTITY: Identity}


class AssignmentInputSerializer(serializers.Serializer):
    domain = serializers.SlugRelatedField(slug_field="key", queryset=ControlDomain.objects.all())
    scope_kind = serializers.ChoiceField(choices=Scope.choices)
    scope_id = serializers.IntegerField(required=False, allow_null=True)
    role = serializers.ChoiceField(choices=Role.choices)
    assignee_user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True
    )
    assignee_team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField(max_length=100, help_text="Kept in the history.")
    replace = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        kind = data["scope_kind"]
        scope_id = data.pop("scope_id", None)
        if kind == Scope.GLOBAL:
            data["scope_obj"] = None
        else:
            obj = SCOPE_MODELS[kind].objects.filter(pk=scope_id).first() if scope_id else None
            if obj is None:
                raise serializers.ValidationError({"scope_id": f"Give an existing {kind} id."})
            data["scope_obj"] = obj
        return data


def explain_ref(explain) -> dict | None:
    return None if explain is None else explain.as_dict()


def _entries(entries) -> list[dict]:
    out = []
    for label, who, explain in entries:
        is_team = isinstance(who, Team)
        out.append(
            {
                "label": label,
                "kind": "team" if is_team else "person",
                "user": None if is_team else user_ref(who),
                "team": team_ref(who) if is_team else None,
                "source": explain_ref(explain),
            }
        )
    return out


def effective_raci_data(raci) -> dict:
    return {
        "domain": raci.domain.key,
        "domain_name": raci.domain.name,
        "accountable": user_ref(raci.accountable),
        "accountable_source": explain_ref(raci.accountable_source),
        "responsible": _entries(raci.responsible),
        "consulted": _entries(raci.consulted),
        "informed": _entries(raci.informed),
        "is_gap": raci.is_gap,
        "gap_reason": raci.gap_reason or None,
    }


def gap_data(gap) -> dict:
    identity = gap.identity
    return {
        "identity": {
            "id": identity.pk,
            "name": identity.name,
            "team": identity.team.slug,
            "platform": identity.platform.slug,
            "status": identity.status,
        },
        "domain": gap.domain.key,
        "reason": gap.reason,
        "reason_label": gap.reason_label,
        "accountable": user_ref(gap.raci.accountable),
        "accountable_source": explain_ref(gap.raci.accountable_source),
    }
