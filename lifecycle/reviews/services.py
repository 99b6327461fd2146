"""Writes for access reviews: schedules and campaigns (admins), launches (set-based,
idempotent), decisions (the assigned reviewer only, under a row lock) and reassignment
(admins, with a reason). Every change is in history; every decision is on the identity's
timeline."""

import datetime as dt
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core.errors import Conflict
from core.history import insert_with_history, stamp
from core.notifications import Draft, notify_many
from core.roles import active_admin_ids, is_admin, is_auditor, is_read_only
from identities.choices import EventKind, RiskTier
from identities.models import LifecycleEvent
from identities.secrets import ensure_no_secret_values
from identities.services import identity_update
from identities.timeline import lifecycle_event_record, lifecycle_events_record

from ..choices import CampaignStatus, OverdueAction, OverdueRule, ReviewDecision, ReviewerRule
from ..choices import ReviewNotificationKind as K
from ..services import identity_decommission
from .assign import clean_scope, reviewers_for, scope_identities, scope_label
from .models import ReviewCampaign, ReviewItem, ReviewSchedule

BULK_KEEP_TIERS = (RiskTier.LOW,)
COMMENT_REQUIRED = (ReviewDecision.CHANGE, ReviewDecision.DECOMMISSION)


def _require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied("Only admins manage access review campaigns and schedules.")


def _validate_rules(reviewer_rule: str, overdue_rule: str) -> None:
    if reviewer_rule not in ReviewerRule.values:
        raise ValidationError({"reviewer_rule": f"Unknown reviewer rule {reviewer_rule!r}."})
    if overdue_rule not in OverdueRule.values:
        raise ValidationError({"overdue_rule": f"Unknown overdue rule {overdue_rule!r}."})


def queue_link() -> str:
    return reverse("lifecycle:review-queue")


# --- schedules and campaigns ------------------------------------------------------------
def schedule_create(
    *,
    actor,
    name: str,
    scope: dict | None = None,
    reviewer_rule: str = ReviewerRule.ACCOUNTABLE,
    cadence_months: int = 3,
    due_after_days: int = 21,
    overdue_rule: str = OverdueRule.ESCALATE,
) -> ReviewSchedule:
    """A recurrence; the reviews sweep launches its campaign for each period."""
    _require_admin(actor)
    _validate_rules(reviewer_rule, overdue_rule)
    if not 1 <= int(cadence_months) <= 36:
        raise ValidationError({"cadence_months": "Between 1 and 36 months."})
    if int(due_after_days) < 1:
        raise ValidationError({"due_after_days": "At least one day."})
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the schedule."})
    if ReviewSchedule.objects.filter(name=name).exists():
        raise ValidationError({"name": f"A schedule named {name!r} exists."})
    schedule = ReviewSchedule(
        name=name,
        scope=clean_scope(scope),
        reviewer_rule=reviewer_rule,
        cadence_months=cadence_months,
        due_after_days=due_after_days,
        overdue_rule=overdue_rule,
        created_by=actor,
    )
    stamp(schedule, actor=actor, reason=f"review schedule created by {actor}")
    schedule.save()
    return schedule


def campaign_create(
    *,
    actor,
    name: str,
    starts_on: dt.date,
    due_on: dt.date,
    scope: dict | None = None,
    reviewer_rule: str = ReviewerRule.ACCOUNTABLE,
    overdue_rule: str = OverdueRule.ESCALATE,
    now: dt.datetime | None = None,
) -> ReviewCampaign:
    """A one-off campaign; launched at once when it starts today or earlier, else by the
    reviews sweep on its start date."""
    _require_admin(actor)
    _validate_rules(reviewer_rule, overdue_rule)
    now = now or timezone.now()
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the campaign."})
    if due_on < starts_on:
        raise ValidationError({"due_on": "The due date is before the start."})
    if due_on < timezone.localdate(now):
        raise ValidationError({"due_on": "The due date has passed."})
    campaign = ReviewCampaign(
        name=name,
        scope=clean_scope(scope),
        reviewer_rule=reviewer_rule,
        overdue_rule=overdue_rule,
        starts_on=starts_on,
        due_on=due_on,
        created_by=actor,
    )
    with transaction.atomic():
        stamp(campaign, actor=actor, reason=f"review campaign created by {actor}")
        campaign.save()
    if starts_on <= timezone.localdate(now):
        campaign_launch(campaign_id=campaign.pk, actor=actor, now=now)
        campaign.refresh_from_db()
    return campaign


def period_start(day: dt.date, cadence_months: int) -> dt.date:
    """The first day of the calendar-aligned period holding `day` (quarterly: Jan/Apr/...)."""
    index = (day.year * 12 + day.month - 1) // cadence_months * cadence_months
    return dt.date(index // 12, index % 12 + 1, 1)


def schedule_launch(*, schedule: ReviewSchedule, actor, now: dt.datetime) -> ReviewCampaign | None:
    """Launch the schedule's campaign for the current period, once: the unique constraint on
    (schedule, period_start) makes a second launch (another beat, a retry) a no-op."""
    today = timezone.localdate(now)
    start = period_start(today, schedule.cadence_months)
    if ReviewCampaign.objects.filter(schedule=schedule, period_start=start).exists():
        return None
    campaign = ReviewCampaign(
        schedule=schedule,
        period_start=start,
        name=f"{schedule.name} — {start:%Y-%m}",
        scope=schedule.scope,
        reviewer_rule=schedule.reviewer_rule,
        overdue_rule=schedule.overdue_rule,
        starts_on=today,
        due_on=today + timedelta(days=schedule.due_after_days),
        created_by=actor,
    )
    try:
        with transaction.atomic():
            stamp(campaign, actor=actor, reason=f"launched by schedule '{schedule.name}'")
            campaign.save()
    except IntegrityError:
        return None  # launched concurrently for this period
    campaign_launch(campaign_id=campaign.pk, actor=actor, now=now)
    return campaign


def campaign_launch(*, campaign_id: int, actor, now: dt.datetime | None = None) -> int:
    """Create one item per identity in scope, each assigned to its effective reviewer, and
    tell each reviewer once. Claims the campaign under a row lock: launching twice is a no-op.
    Returns how many items were created."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = ReviewCampaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status != CampaignStatus.SCHEDULED:
            return 0
        ids = list(scope_identities(campaign.scope).order_by("pk").values_list("pk", flat=True))
        assignments = reviewers_for(ids, campaign.reviewer_rule)
        # Set-based: an all-identities campaign is ~100,000 items (no instance each).
        insert_with_history(
            ReviewItem, _ITEM_FIELDS,
            [(now, now, campaign.pk, identity_id, a.reviewer_id, a.reason[:300], a.is_gap, "",
              OverdueAction.NONE.value)
             for identity_id, a in assignments.items()],
            user_id=actor.pk, reason=f"assigned at launch of '{campaign.name}'", now=now,
        )  # fmt: skip
        campaign.status = CampaignStatus.OPEN
        campaign.launched_at = now
        stamp(campaign, actor=actor, reason=f"launched: {len(assignments)} identities to review")
        campaign.save(update_fields=["status", "launched_at", "updated_at"])
        counts: dict[int | None, int] = {}
        for a in assignments.values():
            counts[a.reviewer_id] = counts.get(a.reviewer_id, 0) + 1
        notify_many(_reviewer_drafts(campaign, counts, K.ASSIGNED, "assigned"))
        if not assignments:
            _close(campaign, actor=actor, now=now)
    return len(assignments)


# A launched item's columns; the decision's stay empty (NULL) until it is decided.
_ITEM_FIELDS = (
    "created_at", "updated_at", "campaign_id", "identity_id", "reviewer_id", "assigned_reason",
    "is_gap", "comment", "overdue_action",
)  # fmt: skip


def _reviewer_drafts(campaign, counts: dict, kind: str, verb: str) -> list[Draft]:
    """One notification per reviewer per campaign (the admins for gap items with no A)."""
    drafts = []
    admins = None
    for reviewer_id, n in counts.items():
        if reviewer_id is None:
            admins = admins if admins is not None else list(active_admin_ids())
            recipients = admins
            why = "Ownership gaps with no active global A go to the admins."
        else:
            recipients = [reviewer_id]
            why = "You are the effective reviewer of these identities (RACI: identity domain)."
        for uid in recipients:
            drafts.append(
                Draft(
                    kind, campaign, uid, campaign.due_on,
                    f"Access review {verb}: {n} identit{'y' if n == 1 else 'ies'} in "
                    f"'{campaign.name}', due {campaign.due_on:%Y-%m-%d}",
                    why, link=queue_link(),
                )
            )  # fmt: skip
    return drafts


def _close(campaign: ReviewCampaign, *, actor, now) -> None:
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = now
    stamp(campaign, actor=actor, reason="closed: every item is decided or handled")
    campaign.save(update_fields=["status", "closed_at", "updated_at"])


def campaign_close_if_done(*, campaign_id: int, actor, now) -> bool:
    with transaction.atomic():
        campaign = ReviewCampaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status != CampaignStatus.OPEN:
            return False
        if open_items(campaign.items.all()).exists():
            return False
        _close(campaign, actor=actor, now=now)
        return True


def open_items(qs):
    """Undecided and not handled by a terminal overdue rule (gap, suspend)."""
    return qs.filter(decision__isnull=True, overdue_action__in=("", "escalated"))


# --- decisions --------------------------------------------------------------------------
def can_decide(user, item: ReviewItem) -> bool:
    """Only the assigned reviewer; items assigned to the admins, any admin."""
    if not user.is_authenticated or is_read_only(user):
        return False
    if item.reviewer_id is None:
        return is_admin(user)
    return item.reviewer_id == user.pk


def item_decide(
    *,
    actor,
    item_id: int,
    decision: str,
    comment: str = "",
    ends_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ReviewItem:
    """Keep (attest), change (recorded; the page then opens the edit or a request), let it
    end (sets its end date) or decommission (lifecycle's decommission, end to end)."""
    now = now or timezone.now()
    comment = (comment or "").strip()
    ensure_no_secret_values({"comment": comment})
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": f"Unknown decision {decision!r}."})
    if decision in COMMENT_REQUIRED and not comment:
        raise ValidationError({"comment": "Say what changes, or why it is decommissioned."})
    if decision == ReviewDecision.END:
        if ends_on is None:
            raise ValidationError({"ends_on": "Give the date it ends."})
        if ends_on <= timezone.localdate(now):
            raise ValidationError({"ends_on": "The end date must be in the future."})
    with transaction.atomic():
        item = (
            ReviewItem.objects.select_for_update(of=("self",))
            .select_related("campaign", "identity")
            .get(pk=item_id)
        )
        if not can_decide(actor, item):
            raise PermissionDenied("Only the assigned reviewer decides this item.")
        if item.decision is not None:
            raise Conflict("This item is already decided.")
        if item.campaign.status == CampaignStatus.SCHEDULED:
            raise ValidationError("This campaign has not started.")
        identity = item.identity
        why = f"access review '{item.campaign.name}'" + (f": {comment}" if comment else "")
        if decision == ReviewDecision.END:
            identity_update(actor=actor, identity=identity, ends_on=ends_on, reason=why)
            item.ends_on = ends_on
        elif decision == ReviewDecision.DECOMMISSION:
            identity_decommission(actor=actor, identity=identity, reason=why, now=now)
        item.decision = decision
        item.comment = comment
        item.decided_at = now
        item.decided_by = actor
        stamp(item, actor=actor, reason=f"{ReviewDecision(decision).label} by {actor}")
        item.save()
        lifecycle_event_record(
            identity=identity,
            kind=EventKind.REVIEWED,
            actor=actor,
            summary=f"Access review: {ReviewDecision(decision).label.lower()}"
            + (f" — {comment}" if comment else ""),
            related=item,
            details={"campaign": item.campaign_id, "decision": decision, "comment": comment},
            occurred_at=now,
        )
    campaign_close_if_done(campaign_id=item.campaign_id, actor=actor, now=now)
    return item


def items_bulk_keep(*, actor, item_ids, comment: str = "", now=None) -> int:
    """Keep many low-risk items with one comment: only open items assigned to the actor.
    Returns how many were kept; the others are left for one-by-one review."""
    now = now or timezone.now()
    if is_read_only(actor):
        raise PermissionDenied("Auditors read and export; they do not review.")
    comment = (comment or "").strip()
    ensure_no_secret_values({"comment": comment})
    with transaction.atomic():
        mine = Q(reviewer=actor)
        if is_admin(actor):
            mine |= Q(reviewer__isnull=True)
        items = list(
            ReviewItem.objects.select_for_update(of=("self",))
            .filter(mine, pk__in=list(item_ids), decision__isnull=True)
            .filter(identity__risk_tier__in=BULK_KEEP_TIERS)
            .exclude(campaign__status=CampaignStatus.SCHEDULED)
            .select_related("campaign")
            .order_by("pk")
        )
        for item in items:
            item.decision = ReviewDecision.KEEP
            item.comment = comment
            item.decided_at = now
            item.decided_by = actor
        bulk_update_with_history(
            items, ReviewItem, ["decision", "comment", "decided_at", "decided_by", "updated_at"],
            default_user=actor, default_change_reason=f"kept (bulk, low risk) by {actor}",
        )  # fmt: skip
        lifecycle_events_record(
            [
                LifecycleEvent(
                    identity_id=i.identity_id, kind=EventKind.REVIEWED, actor=actor,
                    occurred_at=now, related_type=ReviewItem._meta.label_lower, related_id=i.pk,
                    summary=("Access review: keep (bulk)" + (f" — {comment}" if comment else ""))[
                        :300
                    ],
                    details={"campaign": i.campaign_id, "decision": "keep", "comment": comment,
                             "bulk": True},
                )
                for i in items
            ]
        )  # fmt: skip
    for campaign_id in {i.campaign_id for i in items}:
        campaign_close_if_done(campaign_id=campaign_id, actor=actor, now=now)
    return len(items)


def item_reassign(*, actor, item_id: int, reviewer, reason: str) -> ReviewItem:
    """An admin moves an open item to another active person, with a reason."""
    _require_admin(actor)
    reason = (reason or "").strip()
    ensure_no_secret_values({"reason": reason})
    if not reason:
        raise ValidationError({"reason": "Give a reason for the reassignment."})
    if reviewer is None or not reviewer.is_active:
        raise ValidationError({"reviewer": "Choose an active person."})
    if is_auditor(reviewer) and not is_admin(reviewer):
        raise ValidationError({"reviewer": "Auditors read and export; they do not attest."})
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().get(pk=item_id)
        if item.decision is not None:
            raise Conflict("This item is already decided.")
        if item.reviewer_id == reviewer.pk:
            raise ValidationError({"reviewer": "The item is already assigned to them."})
        item.reviewer = reviewer
        item.assigned_reason = f"reassigned by {actor}: {reason}"[:300]
        stamp(item, actor=actor, reason=f"reassigned to {reviewer} by {actor}: {reason}")
        item.save(update_fields=["reviewer", "assigned_reason", "updated_at"])
        campaign = item.campaign
        notify_many(_reviewer_drafts(campaign, {reviewer.pk: 1}, K.ASSIGNED, "assigned"))
    return item


__all__ = [
    "BULK_KEEP_TIERS",
    "campaign_create",
    "campaign_launch",
    "can_decide",
    "item_decide",
    "item_reassign",
    "items_bulk_keep",
    "open_items",
    "period_start",
    "schedule_create",
    "schedule_launch",
    "scope_label",
]
