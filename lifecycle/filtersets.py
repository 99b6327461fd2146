"""The review lists' query parameters, so the API refuses a bad value with a 400 naming it
(core.api.filters); the selectors take them as plain arguments."""

import django_filters

from .choices import CampaignStatus
from .models import ReviewCampaign, ReviewItem


class ReviewCampaignFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices)

    class Meta:
        model = ReviewCampaign
        fields: list[str] = []


class ReviewItemFilterSet(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(field_name="campaign_id")
    mine = django_filters.BooleanFilter(method="noop")
    open = django_filters.BooleanFilter(method="noop")

    class Meta:
        model = ReviewItem
        fields: list[str] = []

    def noop(self, queryset, name, value):
        return queryset  # applied by the selector (reviews.selectors.item_list)
