"""Reads for approvals, scoped to the user.

A request is visible to admins and auditors, its requester, anyone who can see its identity,
and the owners who may decide it (resolved from the RACI matrix in one batch)."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from core.request_memo import request_memo
from core.roles import can_read_all
from governance.selectors import effective_raci_of_rows
from identities.selectors import identity_scope

from .choices import ApproverRoles, GrantStatus, RequestKind, RequestStatus
from .models import ApprovalPolicy, Decision, Grant, Request

RELATED = ("identity__team", "identity__platform", "requester", "evaluation__policy")


def waiting_for(user) -> list[int]:
    """Ids of pending requests this user may decide: set-based over all pending requests."""
    if not user.is_authenticated:
        return []
    pending = Request.objects.filter(
        status=RequestStatus.PENDING, expires_at__gt=timezone.now()
    ).exclude(requester=user)
    return _approver_of(user, pending)


def _decider_entries(requests: QuerySet[Request]):
    """(request id, policy, effective RACI of its approver domain) for each of `requests`,
    resolved now from the RACI matrix: a constant number of queries."""
    rows = list(
        requests.values_list(
            "pk", "identity_id", "kind", "identity__team_id", "identity__platform_id"
        )
    )
    if not rows:
        return
    policies = {p.kind: p for p in ApprovalPolicy.objects.select_related("approver_domain")}
    raci = effective_raci_of_rows(
        rows={(i, team, platform) for _, i, _, team, platform in rows},
        domains=[p.approver_domain for p in policies.values()],
    )
    for pk, identity_id, kind, _team, _platform in rows:
        policy = policies.get(kind)
        entry = raci.get(identity_id, {}).get(policy.approver_domain.key) if policy else None
        if entry is not None:
            yield pk, policy, entry


def _approver_of(user, requests: QuerySet[Request]) -> list[int]:
    """Ids among `requests` whose policy names this user as a decider for its identity."""
    team_groups = set(user.groups.values_list("pk", flat=True))
    return [
        pk
        for pk, policy, entry in _decider_entries(requests)
        if _may_decide(entry, policy, user, team_groups)
    ]


def deciders_of(requests: QuerySet[Request]) -> dict[int, set[int]]:
    """{request id: ids of the active users who may decide it now} (teams expanded)."""
    entries = list(_decider_entries(requests))
    groups = {
        who.group_id
        for _pk, policy, entry in entries
        if policy.approver_roles == ApproverRoles.ACCOUNTABLE_OR_RESPONSIBLE
        for _label, who, _explain in entry.responsible
        if hasattr(who, "group_id")
    }
    members: dict[int, set[int]] = {}
    for group_id, user_id in (
        get_user_model()
        .groups.through.objects.filter(group_id__in=groups, user__is_active=True)
        .values_list("group_id", "user_id")
    ):
        members.setdefault(group_id, set()).add(user_id)
    out = {}
    for pk, policy, entry in entries:
        ids = {entry.acting_accountable.pk} if entry.acting_accountable else set()
        if policy.approver_roles == ApproverRoles.ACCOUNTABLE_OR_RESPONSIBLE:
            for _label, who, _explain in entry.responsible:
                if hasattr(who, "group_id"):
                    ids |= members.get(who.group_id, set())
                elif who.is_active:
                    ids.add(who.pk)
        out[pk] = ids
    return out


def _may_decide(entry, policy, user, team_groups) -> bool:
    acting = entry.acting_accountable
    if acting is not None and acting.pk == user.pk:
        return True
    return policy.approver_roles == ApproverRoles.ACCOUNTABLE_OR_RESPONSIBLE and any(
        getattr(who, "pk", None) == user.pk or getattr(who, "group_id", None) in team_groups
        for _label, who, _explain in entry.responsible
    )


def waiting_for_once(user):
    """`waiting_for`, resolved once per web request: the inbox and its navigation badge."""
    return request_memo(("approvals.waiting_for", user.pk), lambda: waiting_for(user))


def waiting_count(user) -> int:
    return len(waiting_for_once(user))


def request_scope(user) -> QuerySet[Request]:
    if not user.is_authenticated:
        return Request.objects.none()
    if can_read_all(user):
        return Request.objects.all()
    # The owners the policy names see what they may decide and what is still live under
    # their ownership (an active grant, an open post-incident review), even when they cannot
    # see the identity itself; deciders and reviewers keep seeing what they did.
    live = Request.objects.filter(
        Q(status=RequestStatus.PENDING, expires_at__gt=timezone.now())
        | Q(grant__status=GrantStatus.ACTIVE)
        | Q(grant__review_due_at__isnull=False, grant__reviewed_at__isnull=True)
    )
    return Request.objects.filter(
        Q(requester=user)
        | Q(identity__in=identity_scope(user).values("pk"))
        | Q(pk__in=_approver_of(user, live))
        | Q(pk__in=Decision.objects.filter(decider=user).values("request_id"))
        | Q(grant__reviewed_by=user)
    )


def request_list(
    *, user, box: str = "mine", filters: dict | None = None, waiting: list[int] | None = None
) -> QuerySet[Request]:
    """`waiting`: the user's `waiting_for` ids when the caller already resolved them."""
    from .filtersets import RequestFilterSet

    if box == "waiting":
        qs = Request.objects.filter(pk__in=waiting if waiting is not None else waiting_for(user))
    elif box == "mine":
        qs = Request.objects.filter(requester=user)
    else:
        qs = request_scope(user)
    qs = qs.select_related(*RELATED).prefetch_related("decisions")
    return RequestFilterSet(filters or {}, queryset=qs).qs


def request_get(*, user, pk) -> Request:
    try:
        return request_scope(user).select_related(*RELATED, "evaluation", "grant").get(pk=pk)
    except (Request.DoesNotExist, ValueError, TypeError):
        raise Http404("No such request.") from None


def grant_scope(user) -> QuerySet[Grant]:
    return Grant.objects.filter(request__in=request_scope(user).values("pk"))


def grant_get(*, user, pk) -> Grant:
    try:
        return grant_scope(user).select_related("identity", "request__requester").get(pk=pk)
    except (Grant.DoesNotExist, ValueError, TypeError):
        raise Http404("No such grant.") from None


def active_emergency_grants(user) -> QuerySet[Grant]:
    now = timezone.now()
    return (
        grant_scope(user)
        .filter(
            kind=RequestKind.EMERGENCY,
            status=GrantStatus.ACTIVE,
            starts_at__lte=now,
            expires_at__gt=now,
        )
        .select_related("identity", "request__requester")
    )


def reviews_due(user) -> QuerySet[Grant]:
    """Break-glass grants whose post-incident review is still open."""
    return (
        grant_scope(user)
        .filter(review_due_at__isnull=False, reviewed_at__isnull=True)
        .select_related("identity", "request__requester")
        .order_by("review_due_at")
    )


def identity_requests(*, identity) -> QuerySet[Request]:
    return identity.requests.select_related("requester", "grant").order_by("-created_at")[:20]
