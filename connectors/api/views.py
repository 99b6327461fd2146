"""API v1 for revocations: the platform's side of the webhook contract.

`GET /revocations/` and `/revocations/{id}/`: admins and auditors read all; a platform's
own account (its connector's `ack_user`) reads its platform's. `POST /revocations/{id}/ack`:
admins or that account; anything else is 404 (out of scope)."""

from django.db.models import Q
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.views import validated
from core.roles import can_read_all

from .. import selectors, services
from ..choices import JobStatus
from ..models import RevocationJob
from .serializers import (
    RevocationAckInputSerializer,
    RevocationErrorSerializer,
    RevocationSerializer,
)

ERRORS = {
    401: OpenApiResponse(RevocationErrorSerializer, description="Not signed in."),
    400: OpenApiResponse(
        OpenApiTypes.OBJECT, description="Invalid input: the body names each refused field."
    ),
    403: OpenApiResponse(RevocationErrorSerializer, description="Not allowed."),
    404: OpenApiResponse(RevocationErrorSerializer, description="No such revocation for you."),
}


def revocation_scope(user):
    qs = RevocationJob.objects.select_related("connector__platform", "credential", "identity")
    if can_read_all(user):
        return qs
    return qs.filter(Q(connector__ack_user=user))


class RevocationListAPIView(generics.ListAPIView):
    """Revocations you may read, newest first; `?status=` filters."""

    serializer_class = RevocationSerializer
    filter_backends = []  # scoped and filtered here: one status filter

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=JobStatus.values)],
        responses={200: RevocationSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = revocation_scope(self.request.user).order_by("-created_at", "-id")
        status = self.request.query_params.get("status")
        return qs.filter(status=status) if status else qs


class RevocationDetailAPIView(APIView):
    @extend_schema(responses={200: RevocationSerializer, 401: ERRORS[401], 404: ERRORS[404]})
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
        data = validated(request, RevocationAckInputSerializer)
        job = services.revocation_ack(actor=request.user, job=job, **data)
        return Response(RevocationSerializer(job).data)
