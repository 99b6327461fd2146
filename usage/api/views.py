"""API v1 for usage: thin callers of usage's selectors and services.

POST usage/records/ is a bulk, idempotent upsert keyed by identity + day + source (a billing
export job posts the same day again: nothing changes); `dry_run` previews. GET lists records
and signals in your scope; PATCH a signal to triage it (consumption owner or admin)."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.filters import FilteredAPIView
from core.api.pagination import page_response
from core.api.schema import paginated
from core.api.views import validated

from .. import selectors, services
from ..filtersets import SignalFilterSet, UsageRecordFilterSet
from ..ingest import UsageFileError
from ..models import SignalNote
from .serializers import (
    SignalTriageInputSerializer,
    UsageErrorSerializer,
    UsageIngestInputSerializer,
    UsageIngestResultSerializer,
    UsageRecordSerializer,
    UsageSignalSerializer,
)

ERRORS = {
    403: OpenApiResponse(UsageErrorSerializer, description="Not allowed."),
    404: OpenApiResponse(UsageErrorSerializer, description="No such object in your scope."),
}


def _result(plan) -> dict:
    return {
        "applied": plan.applied,
        "counts": plan.counts,
        "rows": [r.as_dict() for r in plan.rows],
    }


class UsageRecordListCreateAPIView(FilteredAPIView):
    """Usage records in your scope, or a bulk upsert (admins and consumption owners)."""

    filterset_class = UsageRecordFilterSet

    @extend_schema(
        parameters=[
            OpenApiParameter("identity", int),
            OpenApiParameter("team", str, many=True),
            OpenApiParameter("platform", str, many=True),
            OpenApiParameter("source", str),
            OpenApiParameter("day_from", str, description="YYYY-MM-DD"),
            OpenApiParameter("day_to", str, description="YYYY-MM-DD"),
            OpenApiParameter("unattributed", bool),
            OpenApiParameter("ordering", str),
        ],
        responses={200: paginated(UsageRecordSerializer), **ERRORS},
        operation_id="v1_usage_records_list",
    )
    def get(self, request):
        qs = selectors.record_list(user=request.user, filters=request.query_params)
        return page_response(self, qs.order_by("-day", "-id"), UsageRecordSerializer)

    @extend_schema(
        request=UsageIngestInputSerializer,
        responses={
            200: UsageIngestResultSerializer,
            400: OpenApiResponse(
                UsageIngestResultSerializer, description="Rows with errors: nothing written."
            ),
            **ERRORS,
        },
    )
    def post(self, request):
        data = validated(request, UsageIngestInputSerializer)
        try:
            plan = services.usage_ingest(
                actor=request.user,
                rows=[(f"[{i}]", raw) for i, raw in enumerate(data["records"])],
                dry_run=data["dry_run"],
            )
        except UsageFileError as exc:
            return Response({"detail": " ".join(exc.messages)}, status=400)
        code = status.HTTP_400_BAD_REQUEST if plan.has_errors else status.HTTP_200_OK
        return Response(_result(plan), status=code)


def _signals(qs):
    return qs.prefetch_related(
        Prefetch("notes", queryset=SignalNote.objects.select_related("author"))
    ).select_related("resolved_by")


class UsageSignalListAPIView(FilteredAPIView):
    filterset_class = SignalFilterSet

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, many=True),
            OpenApiParameter("status", str, many=True),
            OpenApiParameter("severity", str, many=True),
            OpenApiParameter("identity", int),
            OpenApiParameter("team", str, many=True),
            OpenApiParameter("day_from", str),
            OpenApiParameter("day_to", str),
            OpenApiParameter("q", str),
            OpenApiParameter("ordering", str),
        ],
        responses={200: paginated(UsageSignalSerializer), **ERRORS},
        operation_id="v1_usage_signals_list",
    )
    def get(self, request):
        qs = selectors.signal_list(user=request.user, filters=request.query_params)
        return page_response(self, _signals(qs).order_by("-day", "-id"), UsageSignalSerializer)


class UsageSignalDetailAPIView(APIView):
    @extend_schema(responses={200: UsageSignalSerializer, **ERRORS})
    def get(self, request, pk: int):
        signal = selectors.signal_get(user=request.user, pk=pk)
        return Response(UsageSignalSerializer(_signals(selectors.signal_scope(request.user)).get(
            pk=signal.pk)).data)  # fmt: skip

    @extend_schema(
        request=SignalTriageInputSerializer,
        responses={
            200: UsageSignalSerializer,
            400: OpenApiResponse(UsageErrorSerializer, description="Invalid transition."),
            409: OpenApiResponse(UsageErrorSerializer, description="Already in that status."),
            **ERRORS,
        },
    )
    def patch(self, request, pk: int):
        signal = selectors.signal_get(user=request.user, pk=pk)
        fields = validated(request, SignalTriageInputSerializer)
        if "note" in fields:
            services.signal_add_note(actor=request.user, signal_id=signal.pk, body=fields["note"])
        if "status" in fields:
            services.signal_transition(
                actor=request.user,
                signal_id=signal.pk,
                status=fields["status"],
                reason=fields.get("reason", ""),
            )
        fresh = _signals(selectors.signal_scope(request.user)).get(pk=signal.pk)
        return Response(UsageSignalSerializer(fresh).data)
