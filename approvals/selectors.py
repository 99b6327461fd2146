"""Reads for approvals, scoped to the user.

A request is visible to admins and auditors, its requester, anyone who can see its identity,
and the owners who may decide it (a join on governance's effective owners, so the navigation
badge and "waiting for me" are one query however many requests are pending)."""

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from core.request_memo import request_memo, request_memo_peek
from core.roles import can_read_all
from governance.choices import Role
from governance.selectors import decides, deciding_rows
from identities.selectors import identity_scope

from .choices import ApproverRoles, GrantStatus, RequestKind, RequestStatus
from .models import ApprovalPolicy, Decision, Grant, Request

RELATED = ("identity__team", "identity__platform", "requester", "evaluation__policy")


def waiting_for(user) -> list[int]:
    """Ids of pending requests this user may decide: one join over the effective owners."""
    if not user.is_authenticated:
        return []
    return list(_decidable_by(user, _pending_for(user)).values_list("pk", flat=True))


def _pending_for(user) -> QuerySet[Request]:
    return Request.objects.filter(
        status=RequestStatus.PENDING, expires_at__gt=timezone.now()
    ).exclude(requester=user)


def _decidable_by(user, requests: QuerySet[Request]) -> QuerySet[Request]:
    """`requests` whose policy names `user` as a decider for its identity now: its acting A
    in the policy's domain, or (when the policy admits R) one of its R. Two queries: the
    policies, then `requests` joined to governance's effective owners."""
    condition = Q()
    rows = deciding_rows(user)  # built once for every policy
    for policy in ApprovalPolicy.objects.only("kind", "approver_domain_id", "approver_roles"):
        condition |= Q(kind=policy.kind) & decides(
            user=user,
            domain_id=policy.approver_domain_id,
            with_responsible=policy.approver_roles == ApproverRoles.ACCOUNTABLE_OR_RESPONSIBLE,
            identity_ref="identity_id",
            rows=rows,
        )
    return requests.filter(condition) if condition else requests.none()


# Who may decide each of some requests now: its acting A in the policy's domain (the first
# active A of the chain), and where the policy admits R, its effective R (teams expanded).
_DECIDERS = """
SELECT r.id, a.user_id
  FROM ({requests}) r
  JOIN approvals_approvalpolicy p ON p.kind = r.kind
  JOIN governance_effectiveowner a
    ON a.identity_id = r.identity_id AND a.domain_id = p.approver_domain_id AND a.role = %s
  JOIN auth_user u ON u.id = a.user_id AND u.is_active
 WHERE a.precedence = 0 OR NOT EXISTS (
       SELECT 1 FROM governance_effectiveowner e JOIN auth_user v ON v.id = e.user_id
        WHERE e.identity_id = a.identity_id AND e.domain_id = a.domain_id AND e.role = a.role
          AND e.precedence < a.precedence AND v.is_active)
UNION
SELECT r.id, u.id
  FROM ({requests}) r
  JOIN approvals_approvalpolicy p ON p.kind = r.kind AND p.approver_roles = %s
  JOIN governance_effectiveowner e
    ON e.identity_id = r.identity_id AND e.domain_id = p.approver_domain_id AND e.role = %s
  LEFT JOIN identities_team t ON t.id = e.team_id
  LEFT JOIN auth_user_groups m ON m.group_id = t.group_id
  JOIN auth_user u ON u.id = COALESCE(e.user_id, m.user_id) AND u.is_active"""


def deciders_of(requests: QuerySet[Request]) -> dict[int, set[int]]:
    """{request id: ids of the active users who may decide it now} (teams expanded) of the
    requests that have any: one query, whatever the number of requests."""
    sql, params = requests.order_by().values("id", "identity_id", "kind").query.sql_with_params()
    either = ApproverRoles.ACCOUNTABLE_OR_RESPONSIBLE
    out: dict[int, set[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            _DECIDERS.format(requests=sql),
            [*params, Role.ACCOUNTABLE, *params, either, Role.RESPONSIBLE],
        )
        for pk, user_id in cursor.fetchall():
            out.setdefault(pk, set()).add(user_id)
    return out


def waiting_for_once(user):
    """`waiting_for`, resolved once per web request: the inbox and its navigation badge."""
    return request_memo(("approvals.waiting_for", user.pk), lambda: waiting_for(user))


def waiting_count(user) -> int:
    """The navigation badge and the dashboard's figure. On a page that resolved the ids
    already (the inbox), their number; elsewhere a COUNT, once per web request."""
    if not user.is_authenticated:
        return 0
    ids = request_memo_peek(("approvals.waiting_for", user.pk))
    if ids is not None:
        return len(ids)
    return request_memo(
        ("approvals.waiting_count", user.pk),
        lambda: _decidable_by(user, _pending_for(user)).count(),
    )


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
        | Q(pk__in=_decidable_by(user, live).values("pk"))
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
