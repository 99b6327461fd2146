"""API v1 for runtime access: trusted issuers (admins only). Thin callers of the services."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import page_response
from core.api.schema import paginated
from core.api.views import validated
from core.roles import is_admin

from .. import selectors, services
from .serializers import TrustedIssuerSerializer


class IsAdmin(permissions.BasePermission):
    message = "Only admins manage trusted issuers."

    def has_permission(self, request, view):
        return is_admin(request.user)


class IssuerListCreateAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsAdmin]

    @extend_schema(
        responses=paginated(TrustedIssuerSerializer), operation_id="v1_runtime_issuers_list"
    )
    def get(self, request):
        issuers = selectors.issuer_list(user=request.user)
        return page_response(self, issuers, TrustedIssuerSerializer)

    @extend_schema(request=TrustedIssuerSerializer, responses={201: TrustedIssuerSerializer})
    def post(self, request):
        data = validated(request, TrustedIssuerSerializer)
        issuer = services.issuer_save(actor=request.user, data=data)
        return Response(TrustedIssuerSerializer(issuer).data, status=status.HTTP_201_CREATED)


class IssuerDetailAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsAdmin]

    @extend_schema(responses=TrustedIssuerSerializer)
    def get(self, request, pk: int):
        return Response(
            TrustedIssuerSerializer(selectors.issuer_get(user=request.user, pk=pk)).data
        )

    @extend_schema(request=TrustedIssuerSerializer, responses=TrustedIssuerSerializer)
    def patch(self, request, pk: int):
        issuer = selectors.issuer_get(user=request.user, pk=pk)
        data = validated(request, TrustedIssuerSerializer, issuer, partial=True)
        issuer = services.issuer_save(actor=request.user, issuer=issuer, data=data)
        return Response(TrustedIssuerSerializer(issuer).data)
