"""The reviews sweep (Celery beat): launch what is due, remind open items at lead times and
apply each campaign's overdue rule after its due date. Idempotent (a campaign is launched once
per period by a unique constraint; reminders are unique per kind/campaign/recipient/due date;
overdue items are marked when handled) and catching up (it selects windows, never an exact
date)."""

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core.notifications import Draft, notify_many
from core.system import system_user
from governance.choices import DomainKey
from identities.choices import EventKind, IdentityStatus
from identities.models import LifecycleEvent
from identities.status import identities_set_status
from identities.timeline import lifecycle_events_record

from ..choices import CampaignStatus, OverdueAction, OverdueRule
from ..choices import ReviewNotificationKind as K
from ..owners import escalation_targets
from ..results import SweepResult
from . import services
from .models import ReviewCampaign, ReviewItem, ReviewSchedule

REMINDER_DAYS = (7, 1)


def reviews_sweep(*, now: dt.datetime) -> SweepResult:
    result = SweepResult("reviews")
    actor = system_user()
    today = timezone.localdate(now)
    launched = 0
    for schedule in ReviewSchedule.objects.filter(active=True).order_by("pk"):
        if services.schedule_launch(schedule=schedule, actor=actor, now=now) is not None:
            launched += 1
    for campaign_id in ReviewCampaign.objects.filter(
        status=CampaignStatus.SCHEDULED, starts_on__lte=today
    ).values_list("pk", flat=True):
        services.campaign_launch(campaign_id=campaign_id, actor=actor, now=now)
        launched += 1
    reminders = _remind(today=today)
    overdue, escalations = _overdue(today=today, now=now, actor=actor)
    closed = 0
    for campaign_id in ReviewCampaign.objects.filter(status=CampaignStatus.OPEN).values_list(
        "pk", flat=True
    ):
        closed += services.campaign_close_if_done(campaign_id=campaign_id, actor=actor, now=now)
    result.handled = launched + overdue
    result.notifications = reminders + escalations
    result.details = {"launched": launched, "overdue": overdue, "closed": closed}
    return result


def _remind(*, today: dt.date) -> int:
    """Open items due within the largest lead: one reminder per reviewer per campaign per
    lead time (the smallest lead the due date falls within)."""
    horizon = today + dt.timedelta(days=max(REMINDER_DAYS))
    rows = (
        services.open_items(ReviewItem.objects.filter(campaign__status=CampaignStatus.OPEN))
        .filter(campaign__due_on__gte=today, campaign__due_on__lte=horizon)
        .values("campaign_id", "reviewer_id")
        .annotate(n=Count("id"))
    )
    by_campaign: dict[int, dict] = {}
    for r in rows:
        by_campaign.setdefault(r["campaign_id"], {})[r["reviewer_id"]] = r["n"]
    campaigns = ReviewCampaign.objects.in_bulk(list(by_campaign))
    drafts = []
    for campaign_id, counts in by_campaign.items():
        campaign = campaigns[campaign_id]
        left = (campaign.due_on - today).days
        lead = min(d for d in REMINDER_DAYS if left <= d)
        drafts += services._reviewer_drafts(campaign, counts, f"{K.DUE}_{lead}d", "due soon")
    with transaction.atomic():
        notify_many(drafts)
    return len(drafts)


def _overdue(*, today: dt.date, now: dt.datetime, actor) -> tuple[int, int]:
    """Undecided items past their campaign's due date, not yet handled: the campaign's rule
    (escalate; mark the identity a gap; suspend it). The domain's global A (or the admins) is
    told in every case — gaps are never silent."""
    targets = escalation_targets([DomainKey.IDENTITY])[DomainKey.IDENTITY]
    handled = notes = 0
    campaigns = ReviewCampaign.objects.filter(status=CampaignStatus.OPEN, due_on__lt=today)
    for campaign in campaigns.order_by("due_on", "pk"):
        with transaction.atomic():
            items = list(
                ReviewItem.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(campaign=campaign, decision__isnull=True, overdue_at__isnull=True)
                .order_by("pk")
            )
            if not items:
                continue
            rule = campaign.overdue_rule
            action = {
                OverdueRule.ESCALATE: OverdueAction.ESCALATED,
                OverdueRule.GAP: OverdueAction.GAP,
                OverdueRule.SUSPEND: OverdueAction.SUSPENDED,
            }[rule]
            for item in items:
                item.overdue_action = action
                item.overdue_at = now
                if rule == OverdueRule.GAP:
                    item.is_gap = True
            reason = f"access review '{campaign.name}' not done by {campaign.due_on:%Y-%m-%d}"
            bulk_update_with_history(
                items, ReviewItem, ["overdue_action", "overdue_at", "is_gap", "updated_at"],
                default_user=actor, default_change_reason=f"overdue: {action.label.lower()}",
            )  # fmt: skip
            _apply_rule(rule, items, campaign=campaign, actor=actor, now=now, reason=reason)
            by_reviewer = Counter(i.reviewer_id for i in items)
            drafts = [
                Draft(
                    K.ESCALATED, campaign, uid, campaign.due_on,
                    f"Access review overdue: {len(items)} item(s) in '{campaign.name}' "
                    f"({action.label.lower()})",
                    "You are the global A of the identity domain (or an admin, where it has "
                    "none).", link=services.queue_link(),
                )
                for uid in targets
            ]  # fmt: skip
            drafts += services._reviewer_drafts(campaign, by_reviewer, K.ESCALATED, "overdue")
            notify_many(drafts)
            handled += len(items)
            notes += len(drafts)
    return handled, notes


def _apply_rule(rule, items, *, campaign, actor, now, reason: str) -> None:
    """Suspend the identities (identities' service, its transition rules), or mark each a
    gap on its timeline; escalation needs nothing more than the notifications."""
    if rule == OverdueRule.SUSPEND:
        identities_set_status(
            actor=actor, identity_ids=[i.identity_id for i in items],
            status=IdentityStatus.SUSPENDED, reason=reason, now=now,
        )  # fmt: skip
    elif rule == OverdueRule.GAP:
        lifecycle_events_record([
            LifecycleEvent(
                identity_id=i.identity_id, kind=EventKind.REVIEWED, actor=actor,
                occurred_at=now, related_type=ReviewItem._meta.label_lower,
                related_id=i.pk,
                summary=f"Review overdue: ownership unattested, marked as a gap ({reason})"[
                    :300
                ],
                details={"campaign": campaign.pk, "overdue_rule": rule},
            )
            for i in items
        ])  # fmt: skip
