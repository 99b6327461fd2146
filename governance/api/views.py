"""API v1 for ownership: thin callers of selectors and services."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.filters import FilteredAPIView
from core.api.pagination import StewardPagination
from core.api.views import validated
from core.roles import is_admin
from identities.selectors import identity_get

from .. import selectors
from ..filtersets import AssignmentFilterSet, GapFilterSet
from ..forms import AsOfForm
from ..services import assignment_remove, assignment_set, control_domain_create
from .serializers import (
    AssignmentInputSerializer,
    AssignmentSerializer,
    ControlDomainInputSerializer,
    ControlDomainSerializer,
    effective_raci_data,
    gap_data,
)


class OwnershipReadAdminWrite(permissions.BasePermission):
    """Admins, auditors and engineers read; only admins write."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and selectors.can_read_ownership(user)):
            return False
        return request.method in permissions.SAFE_METHODS or is_admin(user)


class ControlDomainViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ControlDomainSerializer
    permission_classes = [OwnershipReadAdminWrite]
    filter_backends: list = []
    lookup_field = "key"

    def get_queryset(self):
        return selectors.domain_list(user=self.request.user)

    @extend_schema(request=ControlDomainInputSerializer, responses=ControlDomainSerializer)
    def create(self, request, *args, **kwargs):
        data = validated(request, ControlDomainInputSerializer)
        domain = control_domain_create(actor=request.user, **data)
        return Response(ControlDomainSerializer(domain).data, status=status.HTTP_201_CREATED)


class AssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The RACI matrix. DELETE needs `?reason=` (or a JSON body with `reason`)."""

    serializer_class = AssignmentSerializer
    permission_classes = [OwnershipReadAdminWrite]
    filterset_class = AssignmentFilterSet

    def get_queryset(self):
        return selectors.assignment_list(user=self.request.user)

    @extend_schema(request=AssignmentInputSerializer, responses=AssignmentSerializer)
    def create(self, request, *args, **kwargs):
        data = validated(request, AssignmentInputSerializer)
        assignment = assignment_set(actor=request.user, **data)
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("reason", str, required=True)])
    def destroy(self, request, *args, **kwargs):
        assignment = self.get_object()
        reason = request.query_params.get("reason") or (
            request.data.get("reason", "") if isinstance(request.data, dict) else ""
        )
        if not reason.strip():
            raise ValidationError({"reason": "Give a reason for the change: it goes into history."})
        assignment_remove(actor=request.user, assignment=assignment, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IdentityOwnersAPIView(APIView):
    """The effective RACI of one identity per domain, with where each entry comes from."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "as_of", OpenApiTypes.DATE,
                description="The matrix as it stood at the end of this day (from its history).",
            )
        ],
        responses=OpenApiTypes.OBJECT,
    )  # fmt: skip
    def get(self, request, pk: int):
        identity = identity_get(user=request.user, pk=pk)
        form = AsOfForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        moment = form.moment()
        owners = selectors.identity_owners(identity=identity, as_of=moment)
        return Response(
            {
                "identity": identity.pk,
                "as_of": moment.isoformat() if moment else None,
                "has_gap": any(r.is_gap for r in owners.values()),
                "domains": [effective_raci_data(r) for r in owners.values()],
            }
        )


class GapsAPIView(FilteredAPIView):
    """Ownership gaps in the caller's scope; filters: domain, team, platform, q."""

    permission_classes = [OwnershipReadAdminWrite]
    filterset_class = GapFilterSet

    @extend_schema(
        parameters=[
            OpenApiParameter("domain", str),
            OpenApiParameter("team", str),
            OpenApiParameter("platform", str),
            OpenApiParameter("q", str),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        gaps = selectors.ownership_gaps(user=request.user, filters=request.query_params)
        paginator = StewardPagination()
        page = paginator.paginate_queryset(gaps, request, view=self)
        return paginator.get_paginated_response([gap_data(g) for g in page])
