"""Reads for access reviews, scoped to the user: admins and auditors read every campaign;
a reviewer reads the campaigns they have items in, and their own items."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from approvals.choices import GrantStatus, RequestStatus
from approvals.models import Grant, Request
from core.roles import can_read_all, is_admin
from governance.selectors import identity_owners
from identities.models import LifecycleEvent

from ..choices import CampaignStatus
from .models import ReviewCampaign, ReviewItem, ReviewSchedule

ITEM_RELATED = ("identity__team", "identity__platform", "reviewer", "decided_by", "campaign")


def _mine(user) -> Q:
    q = Q(reviewer=user)
    if is_admin(user):
        q |= Q(reviewer__isnull=True)
    return q


def item_scope(user) -> QuerySet[ReviewItem]:
    if not user.is_authenticated:
        return ReviewItem.objects.none()
    if can_read_all(user):
        return ReviewItem.objects.all()
    return ReviewItem.objects.filter(_mine(user))


def campaign_scope(user) -> QuerySet[ReviewCampaign]:
    if not user.is_authenticated:
        return ReviewCampaign.objects.none()
    if can_read_all(user):
        return ReviewCampaign.objects.all()
    return ReviewCampaign.objects.filter(
        pk__in=ReviewItem.objects.filter(_mine(user)).values("campaign_id")
    )


def campaign_list(*, user, status: str = "") -> QuerySet[ReviewCampaign]:
    """Each with its counts over the items the user may read."""
    visible = item_scope(user).values("pk")
    qs = campaign_scope(user).select_related("schedule")
    if status in CampaignStatus.values:
        qs = qs.filter(status=status)
    return qs.annotate(
        total=Count("items", filter=Q(items__in=visible)),
        decided=Count("items", filter=Q(items__in=visible, items__decision__isnull=False)),
    )


def campaign_get(*, user, pk) -> ReviewCampaign:
    try:
        return campaign_scope(user).select_related("schedule", "created_by").get(pk=pk)
    except (ReviewCampaign.DoesNotExist, ValueError, TypeError):
        raise Http404("No such campaign.") from None


def schedule_list(*, user) -> QuerySet[ReviewSchedule]:
    return ReviewSchedule.objects.all() if can_read_all(user) else ReviewSchedule.objects.none()


def item_list(*, user, campaign=None, open_only=False, mine=False) -> QuerySet[ReviewItem]:
    qs = item_scope(user).select_related(*ITEM_RELATED)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if open_only:
        qs = qs.filter(decision__isnull=True)
    if mine:
        qs = qs.filter(_mine(user))
    return qs.order_by("campaign__due_on", "identity__name", "pk")


def queue(*, user) -> QuerySet[ReviewItem]:
    """The user's open items in open campaigns, soonest due first."""
    return item_list(user=user, open_only=True, mine=True).filter(
        campaign__status=CampaignStatus.OPEN
    )


def item_get(*, user, pk) -> ReviewItem:
    try:
        return item_scope(user).select_related(*ITEM_RELATED).get(pk=pk)
    except (ReviewItem.DoesNotExist, ValueError, TypeError):
        raise Http404("No such review item.") from None


# --- progress ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    label: str
    total: int
    decided: int
    gaps: int = 0
    overdue: int = 0

    @property
    def open(self) -> int:
        return self.total - self.decided

    @property
    def percent(self) -> int:
        return int(self.decided * 100 / self.total) if self.total else 100


def _progress(qs, field: str, empty: str) -> list[Progress]:
    rows = (
        qs.values(field)
        .annotate(
            total=Count("id"),
            decided=Count("id", filter=Q(decision__isnull=False)),
            gaps=Count("id", filter=Q(is_gap=True)),
            overdue=Count("id", filter=Q(decision__isnull=True, overdue_at__isnull=False)),
        )
        .order_by(field)
    )
    return [
        Progress(r[field] or empty, r["total"], r["decided"], r["gaps"], r["overdue"]) for r in rows
    ]


def campaign_progress(*, user, campaign) -> dict:
    """Totals, per reviewer and per team, over the items the user may read: three queries."""
    qs = item_scope(user).filter(campaign=campaign)
    per_reviewer = _progress(qs, "reviewer__username", "admins (gap)")
    per_team = _progress(qs, "identity__team__name", "—")
    total = sum(p.total for p in per_team)
    decided = sum(p.decided for p in per_team)
    by_decision = dict(
        qs.filter(decision__isnull=False).values_list("decision").annotate(n=Count("id")).order_by()
    )
    return {
        "overall": Progress("All", total, decided, sum(p.gaps for p in per_team),
                            sum(p.overdue for p in per_team)),
        "per_reviewer": per_reviewer,
        "per_team": per_team,
        "by_decision": by_decision,
    }  # fmt: skip


# --- what a reviewer needs to decide ----------------------------------------------------
def item_context(*, item: ReviewItem) -> dict:
    """Purpose, entitlements, credentials and their ages, owners and their source, last use,
    open exceptions and grants, and the timeline since the identity's last review."""
    identity = item.identity
    last = (
        ReviewItem.objects.filter(identity=identity, decided_at__isnull=False)
        .exclude(pk=item.pk)
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    events = LifecycleEvent.objects.filter(identity=identity).select_related("actor")
    if last:
        events = events.filter(occurred_at__gt=last)
    owners = sorted(identity_owners(identity=identity).values(), key=lambda r: r.domain.position)
    return {
        "credentials": list(
            identity.credentials.order_by("status", "-issued_at").select_related("issued_by")[:50]
        ),
        "owners": owners,
        "grants": list(
            Grant.objects.filter(identity=identity, status=GrantStatus.ACTIVE)
            .select_related("request")
            .order_by("expires_at")
        ),
        "requests": list(
            Request.objects.filter(identity=identity, status=RequestStatus.PENDING)
            .select_related("requester")
            .order_by("-created_at")
        ),
        "last_review_at": last,
        "events": list(events.order_by("-occurred_at", "-id")[:100]),
    }


# --- the report -------------------------------------------------------------------------
REPORT_COLUMNS = [
    "campaign_id",
    "campaign",
    "period_start",
    "starts_on",
    "due_on",
    "item_id",
    "identity_id",
    "identity",
    "external_id",
    "team",
    "platform",
    "risk_tier",
    "reviewer",
    "assigned_reason",
    "is_gap",
    "decision",
    "comment",
    "decided_by",
    "decided_at",
    "on_time",
    "ends_on",
    "overdue_action",
    "overdue_at",
]


def _iso(value):
    return value.isoformat() if value is not None else None


def report_rows(*, items: QuerySet[ReviewItem]) -> Iterator[dict]:
    """Who reviewed what, when, the decision and the comment: one query, streamed."""
    qs = items.order_by("campaign__starts_on", "campaign_id", "identity__name", "pk").values(
        "campaign_id",
        "campaign__name",
        "campaign__period_start",
        "campaign__starts_on",
        "campaign__due_on",
        "pk",
        "identity_id",
        "identity__name",
        "identity__external_id",
        "identity__team__name",
        "identity__platform__name",
        "identity__risk_tier",
        "reviewer__username",
        "assigned_reason",
        "is_gap",
        "decision",
        "comment",
        "decided_by__username",
        "decided_at",
        "ends_on",
        "overdue_action",
        "overdue_at",
    )
    for r in qs.iterator(chunk_size=2000):
        decided = r["decided_at"]
        yield {
            "campaign_id": r["campaign_id"],
            "campaign": r["campaign__name"],
            "period_start": _iso(r["campaign__period_start"]),
            "starts_on": _iso(r["campaign__starts_on"]),
            "due_on": _iso(r["campaign__due_on"]),
            "item_id": r["pk"],
            "identity_id": r["identity_id"],
            "identity": r["identity__name"],
            "external_id": r["identity__external_id"],
            "team": r["identity__team__name"],
            "platform": r["identity__platform__name"],
            "risk_tier": r["identity__risk_tier"],
            "reviewer": r["reviewer__username"] or "admins",
            "assigned_reason": r["assigned_reason"],
            "is_gap": r["is_gap"],
            "decision": r["decision"],
            "comment": r["comment"],
            "decided_by": r["decided_by__username"],
            "decided_at": _iso(decided),
            "on_time": None if decided is None else decided.date() <= r["campaign__due_on"],
            "ends_on": _iso(r["ends_on"]),
            "overdue_action": r["overdue_action"] or None,
            "overdue_at": _iso(r["overdue_at"]),
        }


# report_items' filters: key -> lookup, applied when given
REPORT_FILTERS = {
    "start": "campaign__due_on__gte",
    "end": "campaign__starts_on__lte",
    "team": "identity__team__slug",
    "platform": "identity__platform__slug",
    "identity": "identity_id",
    "campaign": "campaign_id",
}


def report_items(*, filters: dict | None = None) -> QuerySet[ReviewItem]:
    """Items for the evidence export (no user scope: evidence is read by auditors/admins)."""
    filters = filters or {}
    given = {lookup: filters[key] for key, lookup in REPORT_FILTERS.items() if filters.get(key)}
    return ReviewItem.objects.filter(**given)


def overdue_review_item_ids(*, today) -> tuple[int, list[int]]:
    """For evidence checks: (items due by today, ids of those not decided by their due
    date)."""
    due = ReviewItem.objects.filter(campaign__due_on__lt=today)
    late = due.filter(Q(decision__isnull=True) | Q(decided_at__date__gt=F("campaign__due_on")))
    return due.count(), sorted(late.values_list("pk", flat=True))
