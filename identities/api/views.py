"""REST API v1 for the registry: thin views over `identities.selectors` (reads, always
user-scoped: out of scope is a 404) and `identities.services` (writes: the service decides
who may change what; a refusal is a 403, a bad payload a 400)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, status
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from core.api.filters import StrictFilterBackend
from core.api.views import validated
from core.pagination import EstimatedCountPagination
from core.roles import is_admin, is_engineer

from .. import credentials, directory, selectors, services
from ..filtersets import CredentialFilterSet, IdentityFilterSet
from ..models import Credential
from . import serializers as s

ERROR_TEXT = {
    400: "Invalid input: the body names each refused field (unknown, invalid or a secret).",
    401: "Not authenticated: send `Authorization: Bearer stw_...` or a session cookie.",
    403: "Authenticated, but not allowed to do this.",
    404: "Not found, or outside what you may see.",
}


# The pages' FilterSet takes teams and platforms by slug: say so in the schema.
for _slug_filter in ("team", "platform"):
    extend_schema_field(OpenApiTypes.STR)(IdentityFilterSet.base_filters[_slug_filter])


def errors(*codes: int) -> dict:
    return {
        code: OpenApiResponse(response=OpenApiTypes.OBJECT, description=ERROR_TEXT[code])
        for code in codes
    }


def require_onboarding_role(user) -> None:
    """Auditors are read-only and outsiders have no role: both get a 403 before validation."""
    if not (is_admin(user) or is_engineer(user)):
        raise PermissionDenied("Only admins and engineers register identities.")


def require_admin(user) -> None:
    if not is_admin(user):
        raise PermissionDenied("Only admins manage teams and platforms.")


class ScopedAPIView(generics.GenericAPIView):
    def output(self, serializer_class, instance, *, status_code=status.HTTP_200_OK):
        data = serializer_class(instance, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def validated(self, serializer_class, **kwargs) -> dict:
        return validated(
            self.request, serializer_class, context=self.get_serializer_context(), **kwargs
        )

    @property
    def is_schema(self) -> bool:
        return getattr(self, "swagger_fake_view", False)


# --- identities -------------------------------------------------------------------------
class IdentityListView(ScopedAPIView, generics.ListAPIView):
    """The list of `/api/v1/identities/`. Registering (POST) is onboarding, which approvals
    owns: approvals' API mounts this path with its POST (`approvals.api.views`)."""

    serializer_class = s.IdentityOutputSerializer
    pagination_class = EstimatedCountPagination
    filter_backends = [StrictFilterBackend]
    filterset_class = IdentityFilterSet

    def get_queryset(self):
        return selectors.identity_scope(self.request.user).select_related("team", "platform")


@extend_schema_view(
    get=extend_schema(
        tags=["identities"],
        summary="An identity",
        responses={200: s.IdentityOutputSerializer, **errors(401, 404)},
    ),
    patch=extend_schema(
        tags=["identities"],
        summary="Change an identity's details",
        request=s.IdentityUpdateInputSerializer,
        responses={200: s.IdentityOutputSerializer, **errors(400, 401, 403, 404)},
    ),
)
class IdentityDetailView(ScopedAPIView):
    serializer_class = s.IdentityOutputSerializer

    def get(self, request, pk: int):
        return self.output(
            s.IdentityOutputSerializer, selectors.identity_get(user=request.user, pk=pk)
        )

    def patch(self, request, pk: int):
        identity = selectors.identity_get(user=request.user, pk=pk)
        data = self.validated(s.IdentityUpdateInputSerializer, partial=True)
        reason = data.pop("reason", "")
        identity = services.identity_update(
            actor=request.user, identity=identity, reason=reason, **data
        )
        return self.output(s.IdentityOutputSerializer, identity)


@extend_schema_view(
    get=extend_schema(
        tags=["credentials"],
        summary="Credentials of an identity",
        responses={200: s.CredentialOutputSerializer(many=True), **errors(400, 401, 404)},
    ),
    post=extend_schema(
        tags=["credentials"],
        summary="Record a credential issued to an identity (metadata only, never the secret)",
        request=s.CredentialRecordInputSerializer,
        responses={201: s.CredentialOutputSerializer, **errors(400, 401, 403, 404)},
    ),
)
class IdentityCredentialsView(ScopedAPIView, generics.ListAPIView):
    serializer_class = s.CredentialOutputSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = CredentialFilterSet

    def get_queryset(self):
        if self.is_schema:
            return Credential.objects.none()
        identity = selectors.identity_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.identity_credentials(identity=identity).select_related("identity")

    def post(self, request, pk: int):
        identity = selectors.identity_get(user=request.user, pk=pk)
        data = self.validated(s.CredentialRecordInputSerializer)
        credential = credentials.credential_record(actor=request.user, identity=identity, **data)
        return self.output(s.CredentialOutputSerializer, credential, status_code=201)


# --- credentials ------------------------------------------------------------------------
@extend_schema_view(
    get=extend_schema(
        tags=["credentials"],
        summary="List credential metadata in your scope",
        responses={200: s.CredentialOutputSerializer(many=True), **errors(400, 401, 404)},
    )
)
class CredentialListView(ScopedAPIView, generics.ListAPIView):
    serializer_class = s.CredentialOutputSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = CredentialFilterSet

    def get_queryset(self):
        return selectors.credential_scope(self.request.user).select_related(
            "identity", "issued_by", "revoked_by"
        )


def _credential(request, pk) -> Credential:
    return selectors.credential_get(user=request.user, pk=pk)


@extend_schema_view(
    get=extend_schema(
        tags=["credentials"],
        summary="A credential's metadata",
        responses={200: s.CredentialOutputSerializer, **errors(401, 404)},
    )
)
class CredentialDetailView(ScopedAPIView):
    serializer_class = s.CredentialOutputSerializer

    def get(self, request, pk: int):
        return self.output(s.CredentialOutputSerializer, _credential(request, pk))


# POST an action on one credential in the user's scope: its input, then one service.
class CredentialActionView(ScopedAPIView):
    serializer_class = s.CredentialOutputSerializer
    input_serializer = None
    service = None  # (*, actor, credential, **data) -> the credential to show
    status_code = 200

    def post(self, request, pk: int):
        credential = _credential(request, pk)
        data = self.validated(self.input_serializer)
        done = self.service(actor=request.user, credential=credential, **data)
        return self.output(self.serializer_class, done, status_code=self.status_code)


@extend_schema_view(
    post=extend_schema(
        tags=["credentials"],
        summary="Record a rotation: the credential is superseded by a new one",
        request=s.CredentialRotateInputSerializer,
        responses={201: s.CredentialOutputSerializer, **errors(400, 401, 403, 404)},
    )
)
class CredentialRotateView(CredentialActionView):
    input_serializer = s.CredentialRotateInputSerializer
    service = staticmethod(credentials.credential_rotate)
    status_code = 201


@extend_schema_view(
    post=extend_schema(
        tags=["credentials"],
        summary="Record that a credential was revoked",
        request=s.CredentialRevokeInputSerializer,
        responses={200: s.CredentialOutputSerializer, **errors(400, 401, 403, 404)},
    )
)
class CredentialRevokeView(CredentialActionView):
    input_serializer = s.CredentialRevokeInputSerializer
    service = staticmethod(credentials.credential_revoke)


# --- teams and platforms ----------------------------------------------------------------
# Teams or platforms in the user's scope; admins create one (POST) through `create_service`.
# (Comments, not docstrings: drf-spectacular would show a docstring in every subclass's schema.)
class DirectoryListView(ScopedAPIView, generics.ListAPIView):
    filter_backends = [StrictFilterBackend, OrderingFilter]
    ordering_fields = ["name", "slug", "created_at"]
    ordering = ["name"]
    create_serializer = None
    create_service = None  # the service: (*, actor, **data) -> the new object

    def post(self, request):
        require_admin(request.user)
        data = self.validated(self.create_serializer)
        created = self.create_service(actor=request.user, **data)
        return self.output(self.serializer_class, created, status_code=201)


# One team or platform by slug; outside the user's scope, a 404.
class DirectoryDetailView(ScopedAPIView):
    noun = ""

    def get(self, request, slug: str):
        found = self.get_queryset().filter(slug=slug).first()
        if found is None:
            raise Http404(f"No such {self.noun}.")
        return self.output(self.serializer_class, found)


class TeamScope:
    serializer_class = s.TeamOutputSerializer

    def get_queryset(self):
        return selectors.team_scope(self.request.user)


class PlatformScope:
    serializer_class = s.PlatformOutputSerializer

    def get_queryset(self):
        return selectors.platform_scope(self.request.user).select_related("owning_team")


@extend_schema_view(
    get=extend_schema(
        tags=["teams"],
        summary="List teams",
        responses={200: s.TeamOutputSerializer(many=True), **errors(400, 401, 404)},
    ),
    post=extend_schema(
        tags=["teams"],
        summary="Create a team (admins)",
        request=s.TeamCreateInputSerializer,
        responses={201: s.TeamOutputSerializer, **errors(400, 401, 403)},
    ),
)
class TeamListCreateView(TeamScope, DirectoryListView):
    create_serializer = s.TeamCreateInputSerializer
    create_service = staticmethod(directory.team_create)


@extend_schema_view(
    get=extend_schema(
        tags=["teams"],
        summary="A team",
        responses={200: s.TeamOutputSerializer, **errors(401, 404)},
    )
)
class TeamDetailView(TeamScope, DirectoryDetailView):
    noun = "team"


@extend_schema_view(
    get=extend_schema(
        tags=["platforms"],
        summary="List platforms",
        responses={200: s.PlatformOutputSerializer(many=True), **errors(400, 401, 404)},
    ),
    post=extend_schema(
        tags=["platforms"],
        summary="Create a platform (admins)",
        request=s.PlatformCreateInputSerializer,
        responses={201: s.PlatformOutputSerializer, **errors(400, 401, 403)},
    ),
)
class PlatformListCreateView(PlatformScope, DirectoryListView):
    filterset_fields = ["kind"]
    create_serializer = s.PlatformCreateInputSerializer
    create_service = staticmethod(directory.platform_create)


@extend_schema_view(
    get=extend_schema(
        tags=["platforms"],
        summary="A platform",
        responses={200: s.PlatformOutputSerializer, **errors(401, 404)},
    )
)
class PlatformDetailView(PlatformScope, DirectoryDetailView):
    noun = "platform"
