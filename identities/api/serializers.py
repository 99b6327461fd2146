"""Thin serializers for the registry API: input serializers validate and refuse, output
serializers render. Business rules live in `identities.services`.

Every input serializer is strict: an unknown field is a 400 naming it (a payload that
names a secret — `secret`, `token`, `password`, ... — says so), and any value shaped like
a credential is refused before a service is called (`identities.secrets`).
"""

import re
from collections.abc import Mapping

from django.utils.text import slugify
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from core.notifications import pk_link

from ..choices import CredentialKind, Environment, IdentityKind, PlatformKind, RiskTier
from ..models import Credential, Identity, Platform, Team
from ..secrets import find_secret_values
from ..selectors import platform_scope, team_scope

IDENTITY_IDENTIFIER_FIELDS = ("external_id",)
CREDENTIAL_IDENTIFIER_FIELDS = ("key_id", "storage_location", "fingerprint", "last_chars")
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")


# --- input ------------------------------------------------------------------------------
class StrictInputSerializer(serializers.Serializer):
    """Refuses unknown fields and values shaped like secrets, naming each field."""

    identifier_fields: tuple[str, ...] = ()

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = self._refused_fields(data)
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def _refused_fields(self, data: Mapping) -> dict[str, list[str]]:
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = {str(key): value for key, value in data.items() if str(key) not in writable}
        known = {str(key): value for key, value in data.items() if str(key) in writable}
        errors = {
            field: [message]
            for field, message in find_secret_values(
                known, identifier_fields=self.identifier_fields
            ).items()
        }
        secret_unknown = find_secret_values(unknown)
        for key in unknown:
            # A nested secret ("meta.token") is reported under its top-level field.
            nested = [msg for field, msg in secret_unknown.items() if _top(field) == key]
            if key in secret_unknown or nested:
                errors[key] = [secret_unknown.get(key) or nested[0]]
            else:
                errors[key] = [f"Unknown field '{key}'. Allowed: {', '.join(sorted(writable))}."]
        return {_top(field): msgs for field, msgs in errors.items()}


def _top(field: str) -> str:
    return field.split(".", 1)[0].split("[", 1)[0]


class ScopedSlugField(serializers.SlugRelatedField):
    """A team or platform by slug, chosen among those the requesting user may see."""

    def __init__(self, *, scope, **kwargs):
        self.scope = scope
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not SLUG_RE.match(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:100])
        return super().to_internal_value(data)


def _team_field(**kwargs):
    return ScopedSlugField(scope=team_scope, queryset=Team.objects.none(), **kwargs)


def _platform_field(**kwargs):
    return ScopedSlugField(scope=platform_scope, queryset=Platform.objects.none(), **kwargs)


def _entitlements_field(**kwargs):
    return serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=200, **kwargs
    )


class IdentityCreateInputSerializer(StrictInputSerializer):
    identifier_fields = IDENTITY_IDENTIFIER_FIELDS

    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=IdentityKind.choices)
    external_id = serializers.CharField(
        max_length=500, help_text="ARN, SPIFFE id, OAuth client id, namespace/name, ..."
    )
    team = _team_field(help_text="Slug of a team you belong to.")
    platform = _platform_field(help_text="Slug of the platform.")
    environment = serializers.ChoiceField(choices=Environment.choices)
    purpose = serializers.CharField(max_length=5000)
    risk_tier = serializers.ChoiceField(choices=RiskTier.choices, default=RiskTier.MEDIUM)
    entitlements = _entitlements_field(required=False, default=list)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class IdentityUpdateInputSerializer(StrictInputSerializer):
    """PATCH: every field optional; status changes go through the lifecycle, not here."""

    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=IdentityKind.choices, required=False)
    team = _team_field(required=False)
    platform = _platform_field(required=False)
    environment = serializers.ChoiceField(choices=Environment.choices, required=False)
    purpose = serializers.CharField(max_length=5000, required=False)
    risk_tier = serializers.ChoiceField(choices=RiskTier.choices, required=False)
    entitlements = _entitlements_field(required=False)
    ends_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(
        max_length=300, required=False, help_text="Why it changes (kept in the history)."
    )


class CredentialRecordInputSerializer(StrictInputSerializer):
    identifier_fields = CREDENTIAL_IDENTIFIER_FIELDS

    kind = serializers.ChoiceField(choices=CredentialKind.choices)
    label = serializers.CharField(max_length=200, help_text="What it is, e.g. 'deploy key'.")
    key_id = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    storage_location = serializers.CharField(
        max_length=500,
        required=False,
        default="",
        allow_blank=True,
        help_text="Vault path or secret-manager ARN.",
    )
    fingerprint = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    last_chars = serializers.CharField(max_length=6, required=False, default="", allow_blank=True)
    issued_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CredentialRotateInputSerializer(StrictInputSerializer):
    identifier_fields = CREDENTIAL_IDENTIFIER_FIELDS

    key_id = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    storage_location = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Where the new secret is stored; defaults to the old location.",
    )
    fingerprint = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    last_chars = serializers.CharField(max_length=6, required=False, default="", allow_blank=True)
    issued_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CredentialRevokeInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=300)


class DirectoryCreateInputSerializer(StrictInputSerializer):
    """Teams and platforms: the slug defaults to the slugified name, and must not be empty."""

    identifier_fields = ("slug",)

    def validate(self, attrs):
        if not (attrs.get("slug") or slugify(attrs["name"])):
            raise serializers.ValidationError(
                {"slug": "Give a slug: the name has no letters or digits to make one from."}
            )
        return attrs


class TeamCreateInputSerializer(DirectoryCreateInputSerializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField(max_length=100, required=False, default="", allow_blank=True)
    description = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True
    )


class PlatformCreateInputSerializer(DirectoryCreateInputSerializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField(max_length=100, required=False, default="", allow_blank=True)
    kind = serializers.ChoiceField(choices=PlatformKind.choices)
    owning_team = _team_field(required=False, allow_null=True, default=None)
    description = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True
    )


# --- output -----------------------------------------------------------------------------
class TeamRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class PlatformRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=PlatformKind.choices)


class IdentityRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _url(name: str, serializer, **kwargs) -> str:
    """An absolute link. A pk route is resolved once per name (`pk_link`): a list page links
    every row twice, and a `reverse` each was a tenth of its time."""
    request = serializer.context.get("request")
    if set(kwargs) != {"pk"}:
        return reverse(name, kwargs=kwargs, request=request)
    path = pk_link(name, kwargs["pk"])
    return request.build_absolute_uri(path) if request is not None else path


class IdentityLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    credentials = serializers.URLField()


class CredentialLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    identity = serializers.URLField()
    rotate = serializers.URLField()
    revoke = serializers.URLField()


class DirectoryLinksSerializer(serializers.Serializer):
    self = serializers.URLField()


class IdentityOutputSerializer(serializers.ModelSerializer):
    team = TeamRefSerializer()
    platform = PlatformRefSerializer()
    entitlements = serializers.ListField(child=serializers.CharField())
    links = serializers.SerializerMethodField()

    class Meta:
        model = Identity
        fields = [
            "id",
            "name",
            "kind",
            "external_id",
            "team",
            "platform",
            "environment",
            "purpose",
            "risk_tier",
            "entitlements",
            "status",
            "ends_on",
            "last_used_at",
            "created_at",
            "updated_at",
            "links",
        ]
        read_only_fields = fields

    @extend_schema_field(IdentityLinksSerializer)
    def get_links(self, obj) -> dict:
        return {
            "self": _url("api-identity-detail", self, pk=obj.pk),
            "credentials": _url("api-identity-credentials", self, pk=obj.pk),
        }


class OnboardingRequestRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    url = serializers.URLField()


class IdentityCreatedSerializer(IdentityOutputSerializer):
    """A registered identity and the onboarding request it opened (to poll until decided)."""

    onboarding_request = serializers.SerializerMethodField()

    class Meta(IdentityOutputSerializer.Meta):
        fields = [*IdentityOutputSerializer.Meta.fields, "onboarding_request"]
        read_only_fields = fields

    @extend_schema_field(OnboardingRequestRefSerializer)
    def get_onboarding_request(self, obj) -> dict:
        request = self.context["onboarding_request"]
        # approvals' route, by name: this app imports nothing above it
        return {
            "id": request.pk,
            "status": request.status,
            "url": _url("approvals-request", self, pk=request.pk),
        }


class CredentialOutputSerializer(serializers.ModelSerializer):
    """Credential metadata. There is no secret value to show: Steward never holds one."""

    identity = IdentityRefSerializer()
    issued_by = serializers.CharField(source="issued_by.username", allow_null=True)
    revoked_by = serializers.CharField(source="revoked_by.username", allow_null=True)
    replaces = serializers.IntegerField(source="replaces_id", allow_null=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Credential
        fields = [
            "id",
            "identity",
            "kind",
            "label",
            "key_id",
            "storage_location",
            "fingerprint",
            "last_chars",
            "status",
            "issued_at",
            "expires_at",
            "rotated_at",
            "revoked_at",
            "issued_by",
            "revoked_by",
            "replaces",
            "created_at",
            "links",
        ]
        read_only_fields = fields

    @extend_schema_field(CredentialLinksSerializer)
    def get_links(self, obj) -> dict:
        return {
            "self": _url("api-credential-detail", self, pk=obj.pk),
            "identity": _url("api-identity-detail", self, pk=obj.identity_id),
            "rotate": _url("api-credential-rotate", self, pk=obj.pk),
            "revoke": _url("api-credential-revoke", self, pk=obj.pk),
        }


class TeamOutputSerializer(serializers.ModelSerializer):
    links = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "slug", "name", "description", "created_at", "links"]
        read_only_fields = fields

    @extend_schema_field(DirectoryLinksSerializer)
    def get_links(self, obj) -> dict:
        return {"self": _url("api-team-detail", self, slug=obj.slug)}


class PlatformOutputSerializer(serializers.ModelSerializer):
    owning_team = TeamRefSerializer(allow_null=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Platform
        fields = ["id", "slug", "name", "kind", "owning_team", "description", "created_at", "links"]
        read_only_fields = fields

    @extend_schema_field(DirectoryLinksSerializer)
    def get_links(self, obj) -> dict:
        return {"self": _url("api-platform-detail", self, slug=obj.slug)}
