"""API v1 for access reviews: thin callers of the reviews selectors and services.

Admins create campaigns and schedules; auditors read; reviewers read and decide their items."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.filters import FilteredAPIView
from core.api.pagination import page_response
from core.api.schema import paginated
from core.api.views import validated

from ..filtersets import ReviewCampaignFilterSet, ReviewItemFilterSet
from ..reviews import selectors, services
from .serializers import (
    ReviewCampaignInputSerializer,
    ReviewCampaignSerializer,
    ReviewDecideInputSerializer,
    ReviewErrorSerializer,
    ReviewItemSerializer,
    ReviewReassignInputSerializer,
    ReviewScheduleInputSerializer,
    ReviewScheduleSerializer,
)

ERRORS = {
    403: OpenApiResponse(ReviewErrorSerializer, description="Not allowed."),
    404: OpenApiResponse(ReviewErrorSerializer, description="No such object in your scope."),
}
CONFLICT = {409: OpenApiResponse(ReviewErrorSerializer, description="Already decided.")}


class ReviewCampaignListCreateAPIView(FilteredAPIView):
    """Campaigns you may read (all for admins and auditors, else those you review in)."""

    filterset_class = ReviewCampaignFilterSet

    @extend_schema(
        parameters=[OpenApiParameter("status", str)],
        responses=paginated(ReviewCampaignSerializer),
        operation_id="v1_reviews_campaigns_list",
    )
    def get(self, request):
        qs = selectors.campaign_list(
            user=request.user, status=request.query_params.get("status", "")
        ).order_by("-starts_on", "-id")
        return page_response(self, qs, ReviewCampaignSerializer)

    @extend_schema(
        request=ReviewCampaignInputSerializer,
        responses={201: ReviewCampaignSerializer, 400: ReviewErrorSerializer, **ERRORS},
    )
    def post(self, request):
        data = validated(request, ReviewCampaignInputSerializer)
        campaign = services.campaign_create(actor=request.user, **data)
        out = selectors.campaign_list(user=request.user).get(pk=campaign.pk)
        return Response(ReviewCampaignSerializer(out).data, status=status.HTTP_201_CREATED)


class ReviewCampaignDetailAPIView(APIView):
    @extend_schema(responses={200: ReviewCampaignSerializer, **ERRORS})
    def get(self, request, pk: int):
        selectors.campaign_get(user=request.user, pk=pk)
        campaign = selectors.campaign_list(user=request.user).get(pk=pk)
        return Response(ReviewCampaignSerializer(campaign).data)


class ReviewItemListAPIView(FilteredAPIView):
    """Review items you may read; `mine=1` for your queue, `open=1` for undecided ones."""

    filterset_class = ReviewItemFilterSet

    @extend_schema(
        parameters=[
            OpenApiParameter("campaign", int),
            OpenApiParameter("mine", bool),
            OpenApiParameter("open", bool),
        ],
        responses=paginated(ReviewItemSerializer),
        operation_id="v1_reviews_items_list",
    )
    def get(self, request):
        params = request.query_params
        campaign = None
        if params.get("campaign"):
            campaign = selectors.campaign_get(user=request.user, pk=params["campaign"])
        qs = selectors.item_list(
            user=request.user,
            campaign=campaign,
            open_only=params.get("open") in ("1", "true"),
            mine=params.get("mine") in ("1", "true"),
        )
        return page_response(self, qs, ReviewItemSerializer)


class ReviewItemDetailAPIView(APIView):
    @extend_schema(responses={200: ReviewItemSerializer, **ERRORS})
    def get(self, request, pk: int):
        return Response(ReviewItemSerializer(selectors.item_get(user=request.user, pk=pk)).data)


class ReviewItemDecideAPIView(APIView):
    """Keep, change, let it end (`ends_on`) or decommission: the assigned reviewer only."""

    @extend_schema(
        request=ReviewDecideInputSerializer,
        responses={200: ReviewItemSerializer, 400: ReviewErrorSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, pk: int):
        item = selectors.item_get(user=request.user, pk=pk)
        data = validated(request, ReviewDecideInputSerializer)
        services.item_decide(actor=request.user, item_id=item.pk, **data)
        return Response(ReviewItemSerializer(selectors.item_get(user=request.user, pk=pk)).data)


class ReviewItemReassignAPIView(APIView):
    """Admins move an open item to another active person, with a reason."""

    @extend_schema(
        request=ReviewReassignInputSerializer,
        responses={200: ReviewItemSerializer, 400: ReviewErrorSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, pk: int):
        item = selectors.item_get(user=request.user, pk=pk)
        data = validated(request, ReviewReassignInputSerializer)
        reviewer = get_object_or_404(get_user_model(), pk=data["reviewer"], is_active=True)
        services.item_reassign(
            actor=request.user, item_id=item.pk, reviewer=reviewer, reason=data["reason"]
        )
        return Response(ReviewItemSerializer(selectors.item_get(user=request.user, pk=pk)).data)


class ReviewScheduleListCreateAPIView(APIView):
    """Schedules: admins and auditors read; admins create."""

    @extend_schema(
        responses=paginated(ReviewScheduleSerializer), operation_id="v1_reviews_schedules_list"
    )
    def get(self, request):
        qs = selectors.schedule_list(user=request.user).order_by("name")
        return page_response(self, qs, ReviewScheduleSerializer)

    @extend_schema(
        request=ReviewScheduleInputSerializer,
        responses={201: ReviewScheduleSerializer, 400: ReviewErrorSerializer, **ERRORS},
    )
    def post(self, request):
        data = validated(request, ReviewScheduleInputSerializer)
        schedule = services.schedule_create(actor=request.user, **data)
        return Response(ReviewScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)
