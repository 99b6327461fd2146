"""Demo access reviews: a quarterly schedule for critical identities, its campaign for the
current period (launched once, like the sweep does) and a few decisions. Idempotent."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.history import history_actor
from core.system import system_user

from .choices import OverdueRule, ReviewDecision
from .models import ReviewCampaign, ReviewSchedule
from .reviews import services

SCHEDULE = "Critical identities — quarterly"
DECISIONS = [
    (ReviewDecision.KEEP, "Still needed; owner and purpose confirmed."),
    (ReviewDecision.KEEP, "Attested; credentials rotate on schedule."),
    (ReviewDecision.CHANGE, "Entitlements broader than the purpose: narrow them."),
]


def seed(ctx: dict) -> None:
    admin = ctx["users"]["admin"]
    now = timezone.now()
    schedule = ReviewSchedule.objects.filter(name=SCHEDULE).first()
    if schedule is None:
        schedule = services.schedule_create(
            actor=admin, name=SCHEDULE, scope={"risk_tiers": ["critical"]}, cadence_months=3,
            due_after_days=21, overdue_rule=OverdueRule.ESCALATE,
        )  # fmt: skip
    with history_actor(system_user()):
        services.schedule_launch(schedule=schedule, actor=system_user(), now=now)
    campaign = ReviewCampaign.objects.filter(schedule=schedule).order_by("-period_start").first()
    if campaign is None or campaign.items.filter(decision__isnull=False).exists():
        return
    open_items = campaign.items.filter(reviewer__isnull=False).select_related("reviewer")
    for item, (decision, comment) in zip(open_items[: len(DECISIONS)], DECISIONS, strict=False):
        try:
            services.item_decide(
                actor=item.reviewer, item_id=item.pk, decision=decision, comment=comment, now=now
            )
        except (PermissionDenied, ValidationError):
            continue
    ctx["stdout"].write(f"Access review '{campaign.name}': {campaign.items.count()} items.")
