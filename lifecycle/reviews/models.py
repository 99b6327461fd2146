"""Access review models: a schedule (the recurrence) launches campaigns; a campaign holds one
item per identity in scope, assigned at launch to its effective reviewer."""

from django.conf import settings
from django.db import models

from core.history import GovernedHistory
from core.models import TimeStampedModel
from identities.models import Identity

from ..choices import CampaignStatus, OverdueAction, OverdueRule, ReviewDecision, ReviewerRule

SCOPE_HELP = (
    'Which identities: {"teams": [slugs], "platforms": [slugs], "kinds": [...], '
    '"risk_tiers": [...]}; empty means all.'
)


class ReviewSchedule(TimeStampedModel):
    """A recurrence: every `cadence_months` a campaign over `scope`, due `due_after_days`
    after it starts. Periods are aligned to the calendar (quarterly: Jan, Apr, Jul, Oct)."""

    name = models.CharField(max_length=200, unique=True)
    scope = models.JSONField(default=dict, blank=True, help_text=SCOPE_HELP)
    reviewer_rule = models.CharField(
        max_length=1, choices=ReviewerRule.choices, default=ReviewerRule.ACCOUNTABLE
    )
    cadence_months = models.PositiveSmallIntegerField(default=3)
    due_after_days = models.PositiveSmallIntegerField(default=21)
    overdue_rule = models.CharField(
        max_length=10, choices=OverdueRule.choices, default=OverdueRule.ESCALATE
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = GovernedHistory()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cadence_months__gte=1, cadence_months__lte=36),
                name="review_schedule_cadence_1_36_months",
            ),
            models.CheckConstraint(
                condition=models.Q(due_after_days__gte=1), name="review_schedule_due_after_1_day"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewCampaign(TimeStampedModel):
    """One review round. A recurring campaign is launched once per (schedule, period)."""

    schedule = models.ForeignKey(
        ReviewSchedule, on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns"
    )
    period_start = models.DateField(null=True, blank=True)
    name = models.CharField(max_length=200)
    scope = models.JSONField(default=dict, blank=True, help_text=SCOPE_HELP)
    reviewer_rule = models.CharField(
        max_length=1, choices=ReviewerRule.choices, default=ReviewerRule.ACCOUNTABLE
    )
    starts_on = models.DateField()
    due_on = models.DateField()
    overdue_rule = models.CharField(
        max_length=10, choices=OverdueRule.choices, default=OverdueRule.ESCALATE
    )
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.SCHEDULED
    )
    launched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = GovernedHistory()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "period_start"], name="review_campaign_once_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("starts_on")),
                name="review_campaign_due_after_start",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.name


class ReviewItem(TimeStampedModel):
    """One identity to review in one campaign, with its reviewer and the decision."""

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="items")
    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="review_items")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_items",
        help_text="Empty: the admins (an ownership gap with no active global A).",
    )
    assigned_reason = models.CharField(max_length=300)
    is_gap = models.BooleanField(default=False)
    decision = models.CharField(
        max_length=15, choices=ReviewDecision.choices, null=True, blank=True
    )
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ends_on = models.DateField(null=True, blank=True, help_text="Set by a 'let it end' decision.")
    overdue_action = models.CharField(
        max_length=10, choices=OverdueAction.choices, default=OverdueAction.NONE, blank=True
    )
    overdue_at = models.DateTimeField(null=True, blank=True)
    history = GovernedHistory()

    class Meta:
        ordering = ["campaign", "identity__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "identity"], name="review_item_once_per_campaign"
            )
        ]
        indexes = [
            models.Index(fields=["reviewer", "decision"]),
            models.Index(fields=["campaign", "decision"]),
            models.Index(fields=["identity", "-decided_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.identity} in {self.campaign}"

    @property
    def is_open(self) -> bool:
        return self.decision is None
