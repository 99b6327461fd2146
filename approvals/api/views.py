"""API v1 for approvals: thin callers of approvals' selectors and services.

A pipeline asks for an exception (POST requests/) and a bot polls it (GET requests/<id>/);
owners decide (POST requests/<id>/decide/); a grant's owner or an admin revokes it."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.filters import FilteredAPIView, StrictFilterBackend
from core.api.pagination import page_response
from core.api.schema import paginated
from core.api.views import validated
from identities.selectors import credential_get, identity_get

from .. import grants, selectors, services
from ..filtersets import GrantFilterSet, RequestFilterSet
from ..models import Decision
from .serializers import (
    DecideInputSerializer,
    ErrorSerializer,
    GrantSerializer,
    LinkCredentialInputSerializer,
    RefusalSerializer,
    RequestCreateInputSerializer,
    RequestSerializer,
    RevokeInputSerializer,
)

ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="Not allowed (role, separation of duties)."),
    404: OpenApiResponse(ErrorSerializer, description="No such object in your scope."),
}
CONFLICT = {
    409: OpenApiResponse(ErrorSerializer, description="Already decided, ended or linked."),
}
BOXES = ("all", "waiting", "mine")


def _detailed(qs):
    return (
        qs.prefetch_related(None)
        .select_related(
            "identity", "requester", "evaluation__policy", "grant__ended_by", "grant__reviewed_by"
        )
        .prefetch_related(
            Prefetch("decisions", queryset=Decision.objects.select_related("decider"))
        )
    )


def _request_data(user, pk) -> dict:
    return RequestSerializer(_detailed(selectors.request_scope(user)).get(pk=pk)).data


class RequestListCreateAPIView(FilteredAPIView):
    """Requests in your scope (`box=waiting` for those you may decide, `mine` for yours), or
    a new request, evaluated by its policy at once."""

    filterset_class = RequestFilterSet

    @extend_schema(
        parameters=[
            OpenApiParameter("box", str, enum=BOXES, description="Default: all in your scope."),
            OpenApiParameter("kind", str, many=True),
            OpenApiParameter("status", str, many=True),
            OpenApiParameter("identity", int),
            OpenApiParameter("team", str),
            OpenApiParameter("ordering", str),
        ],
        responses=paginated(RequestSerializer),
        operation_id="v1_requests_list",
    )
    def get(self, request):
        box = request.query_params.get("box", "all")
        if box not in BOXES:
            raise ValidationError({"box": [f"Select one of {', '.join(BOXES)}."]})
        qs = selectors.request_list(user=request.user, box=box, filters=request.query_params)
        return page_response(self, _detailed(qs), RequestSerializer)

    @extend_schema(
        request=RequestCreateInputSerializer,
        responses={
            201: RequestSerializer,
            400: OpenApiResponse(RefusalSerializer, description="Invalid or refused by policy."),
            **ERRORS,
        },
    )
    def post(self, request):
        fields = validated(request, RequestCreateInputSerializer)
        identity = identity_get(user=request.user, pk=fields.pop("identity"))
        renews = fields.pop("renews", None)
        if renews is not None:
            renews = selectors.grant_get(user=request.user, pk=renews)
        try:
            req = services.request_submit(
                actor=request.user, identity=identity, renews=renews, **fields
            )
        except services.PolicyRefused as exc:
            return Response(
                {"detail": "Refused by the approval policy.", "reasons": exc.reasons},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(_request_data(request.user, req.pk), status=status.HTTP_201_CREATED)


class RequestDetailAPIView(APIView):
    """One request with its evaluation, decisions and grant (poll it)."""

    @extend_schema(responses={200: RequestSerializer, **ERRORS})
    def get(self, request, pk: int):
        req = selectors.request_get(user=request.user, pk=pk)
        return Response(_request_data(request.user, req.pk))


class RequestDecideAPIView(APIView):
    """Approve or reject; only an effective owner the policy names, never the requester.
    Deciding a decided request is a 409, never a second grant."""

    @extend_schema(
        request=DecideInputSerializer,
        responses={200: RequestSerializer, 400: ErrorSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, pk: int):
        req = selectors.request_get(user=request.user, pk=pk)
        data = validated(request, DecideInputSerializer)
        services.request_decide(request_id=req.pk, actor=request.user, **data)
        return Response(_request_data(request.user, req.pk))


class GrantRevokeAPIView(APIView):
    """End a grant now, with a reason: its owner, its requester or an admin."""

    @extend_schema(
        request=RevokeInputSerializer,
        responses={200: GrantSerializer, 400: ErrorSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, pk: int):
        grant = selectors.grant_get(user=request.user, pk=pk)
        data = validated(request, RevokeInputSerializer)
        grant = grants.grant_revoke(actor=request.user, grant=grant, **data)
        return Response(GrantSerializer(grant).data)


class GrantCredentialAPIView(APIView):
    """Record that a credential was issued under this grant."""

    @extend_schema(
        request=LinkCredentialInputSerializer,
        responses={201: OpenApiTypes.OBJECT, 400: ErrorSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, pk: int):
        grant = selectors.grant_get(user=request.user, pk=pk)
        data = validated(request, LinkCredentialInputSerializer)
        credential = credential_get(user=request.user, pk=data["credential"])
        link = grants.grant_link_credential(actor=request.user, grant=grant, credential=credential)
        return Response(
            {"grant": grant.pk, "credential": credential.pk, "linked_at": link.linked_at},
            status=status.HTTP_201_CREATED,
        )


@extend_schema(responses={200: GrantSerializer(many=True), **ERRORS})
class GrantListAPIView(generics.ListAPIView):
    """Grants in your scope (those of the requests you may read), newest first."""

    serializer_class = GrantSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = GrantFilterSet

    def get_queryset(self):
        return (
            selectors.grant_scope(self.request.user)
            .select_related("ended_by", "reviewed_by", "request")
            .order_by("-starts_at", "-id")
        )


class GrantDetailAPIView(APIView):
    @extend_schema(responses={200: GrantSerializer, **ERRORS})
    def get(self, request, pk: int):
        grant = selectors.grant_get(user=request.user, pk=pk)
        return Response(GrantSerializer(grant).data)
