"""Reads for approvals, scoped to the user.

A request is visible to admins and auditors, its requester, anyone who can see its identity,
and the owners who may decide it (a join on governance's effective owners, so the navigation
badge and "waiting for me" are one query however many requests are pending)."""

import functools

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from core.prepared import MARK_DATETIME, MARK_INT, Prepared
from core.request_memo import request_memo
from core.roles import can_read_all
from governance.choices import Role
from governance.selectors import decides, deciding_rows
from identities.selectors import identity_scope

from .choices import ApproverRoles, GrantStatus, RequestKind, RequestStatus
from .models import ApprovalPolicy, Decision, Grant, Request

RELATED = ("identity__team", "identity__platform", "requester", "evaluation__policy")


def waiting_for(user) -> list[int]:
    """Ids of pending requests this user may decide: one join over the effective owners,
    compiled once per process and set of policies (building it cost more than running it)."""
    if not user.is_authenticated:
        return []
    if not user.is_active:  # signed in, yet deactivated since: the ORM, as written
        return list(_decidable_by(user, _pending_for(user)).values_list("pk", flat=True))
    policies = _policies()
    if not policies:  # nothing names a decider (the query would match nothing)
        return []
    prepared = _WAITING.get(policies)
    if prepared is None:
        build = functools.partial(_waiting, policies=policies)
        prepared = _WAITING[policies] = Prepared(build, user_id=MARK_INT, now=MARK_DATETIME)
    return [pk for (pk,) in prepared.rows(user_id=user.pk, now=timezone.now())]


# {policies: the compiled `_waiting`}: a policy edit makes a new key, so a new compile.
_WAITING: dict[tuple, Prepared] = {}


def _waiting(*, user_id: int, now, policies) -> QuerySet:
    """`waiting_for` as a queryset of an active user known by id (an unsaved stand-in: the
    query reads nothing else of it)."""
    user = get_user_model()(pk=user_id, is_active=True)
    # Unordered: sorting by age tempted the planner into walking every request by date.
    pending = _pending_for(user, now=now).order_by()
    return _decidable_by(user, pending, policies).values_list("pk")


def _policies() -> tuple[tuple[str, int, str], ...]:
    """(kind, approver domain id, approver roles) of each approval policy."""
    return tuple(
        ApprovalPolicy.objects.order_by("pk").values_list(
            "kind", "approver_domain_id", "approver_roles"
        )
    )


def _pending_for(user, *, now=None) -> QuerySet[Request]:
    return Request.objects.filter(
        status=RequestStatus.PENDING, expires_at__gt=now or timezone.now()
    ).exclude(requester=user)


def _decidable_by(user, requests: QuerySet[Request], policies=None) -> QuerySet[Request]:
    """`requests` whose policy names `user` as a decider for its identity now: its acting A
    in the policy's domain, or (when the policy admits R) one of its R. Two queries: the
    policies (unless given, as `_policies` reads them), then `requests` joined to
    governance's effective owners."""
    condition = Q()
    rows = deciding_rows(user)  # built once for every policy
    for kind, domain_id, roles in _policies() if policies is None else policies:
        condition |= Q(kind=kind) & decides(
            user=user,
            domain_id=domain_id,
            with_responsible=roles == ApproverRoles.ACCOUNTABLE_OR_RESPONSIBLE,
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
    """The navigation badge and the dashboard's figure: how many `waiting_for_once` holds
    (the inbox and its badge share one resolution per web request)."""
    return len(waiting_for_once(user)) if user.is_authenticated else 0


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
