"""API v1 for revocations: the platform's side of the webhook contract.

`GET /revocations/` and `/revocations/{id}/`: admins and auditors read all; a platform's
own account (its connector's `ack_user`) reads its platform's. `POST /revocations/{id}/ack`:
admins or that account; anything else is 404 (out of scope)."""

from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import StewardPagination
from core.roles import can_read_all

from .. import selectors, services
from ..models import RevocationJob
from .serializers import (
    RevocationAckInputSerializer,
    RevocationErrorSerializer,
    RevocationSerializer,
)

ERRORS = {
    400: OpenApiResponse(RevocationErrorSerializer, description="Invalid input."),
    403: OpenApiResponse(RevocationErrorSerializer, description="Not allowed."),
    404: OpenApiResponse(RevocationErrorSerializer, description="No such revocation for you."),
}


def revocation_scope(user):
    qs = RevocationJob.objects.select_related("connector__platform", "credential", "identity")
    if can_read_all(user):
        return qs
    return qs.filter(Q(connector__ack_user=user))


class RevocationListAPIView(APIView):
    @extend_schema(responses=RevocationSerializer(many=True))
    def get(self, request):
        qs = revocation_scope(request.user).order_by("-created_at", "-id")
        status = request.query_params.get("status")
        if status:
            qs = qs.filter(status=status)
        paginator = StewardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(RevocationSerializer(page, many=True).data)


class RevocationDetailAPIView(APIView):
    @extend_schema(responses={200: RevocationSerializer, 404: ERRORS[404]})
    def get(self, request, pk):
        try:
            job = revocation_scope(request.user).get(pk=pk)
        except RevocationJob.DoesNotExist:
            raise Http404 from None
        return Response(RevocationSerializer(job).data)


class RevocationAckAPIView(APIView):
    """The platform says the credential is disabled (`done`) or could not be (`failed`)."""

    @extend_schema(
        request=RevocationAckInputSerializer,
        responses={
            200: RevocationSerializer,
            409: OpenApiResponse(
                RevocationErrorSerializer, description="Not awaiting, stale or replayed."
            ),
            **ERRORS,
        },
    )
    def post(self, request, pk):
        job = selectors.revocation_for_ack(user=request.user, pk=pk)
        data = RevocationAckInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.revocation_ack(actor=request.user, job=job, **data.validated_data)
        return Response(RevocationSerializer(job).data)
