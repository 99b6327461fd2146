"""Transitions: submit, decide (separation of duties, right owner at decision time, quorum,
exactly once, shorter or later windows), cancel and expiry of pending requests."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from approvals import services
from approvals.choices import GrantStatus, RequestStatus
from approvals.models import ApprovalPolicy, Decision, Grant, Request
from core.errors import Conflict
from core.models import Notification
from identities.models import LifecycleEvent
from tests.approvals.conftest import set_accountable
from tests.approvals.factories import (
    approve,
    notified,
    reject,
    submit_exception,
)
from tests.factories import IdentityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ar_policy(admin_user, governed):
    """The exception policy taken by the A or an R."""
    policy = ApprovalPolicy.objects.get(kind="exception")
    return services.policy_update(
        actor=admin_user, policy=policy, reason="A or R decide", approver_roles="AR"
    )


# --- submit -------------------------------------------------------------------------------
def test_submit_tells_the_approver_and_records_the_request(engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    assert notified("approval_requested", owner)
    assert not notified("approval_requested", engineer)
    assert LifecycleEvent.objects.filter(identity=identity, related_id=req.pk).exists()
    assert "submitted by" in req.history.latest().history_change_reason


# --- separation of duties and who decides ---------------------------------------------------
def test_requester_cannot_decide_own_request(engineer, identity, governed, ar_policy):
    # the engineer is an R of runtime policy, so eligible in general — but not for their own
    set_r = UserFactory(username="other-r")
    from tests.governance.factories import AssignmentFactory

    for user in (engineer, set_r):
        AssignmentFactory(domain=governed["runtime_policy"], role="R", assignee_user=user)
    req = submit_exception(actor=engineer, identity=identity)
    for outcome in ("approve", "reject"):
        with pytest.raises(PermissionDenied, match="your own request"):
            services.request_decide(request_id=req.pk, actor=engineer, outcome=outcome)
    assert not Decision.objects.exists()
    approve(req, set_r)  # another R may
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED


@pytest.mark.parametrize("who", ["admin_user", "auditor", "outsider", "engineer_peer", "r_only"])
def test_only_the_owner_the_policy_names_decides(request, engineer, identity, governed, who):
    from tests.governance.factories import AssignmentFactory

    actors = {
        "engineer_peer": lambda: UserFactory(groups=["engineers"]),
        # an R where the policy takes only the A
        "r_only": lambda: (
            AssignmentFactory(
                domain=governed["runtime_policy"], role="R", assignee_user=UserFactory()
            ).assignee_user
        ),
    }
    actor = actors[who]() if who in actors else request.getfixturevalue(who)
    req = submit_exception(actor=engineer, identity=identity)
    with pytest.raises(PermissionDenied, match=r"Only the effective|Auditors read"):
        approve(req, actor)
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING and not Grant.objects.exists()


def test_a_of_another_domain_cannot_decide(engineer, identity, governed):
    other = UserFactory()
    set_accountable(governed["identity"], other)  # A of IAM, not of runtime policy
    req = submit_exception(actor=engineer, identity=identity)
    with pytest.raises(PermissionDenied):
        approve(req, other)


def test_decider_is_resolved_at_decision_time(engineer, owner, identity, governed):
    req = submit_exception(actor=engineer, identity=identity)
    successor = UserFactory(username="sam-successor")
    set_accountable(governed["runtime_policy"], successor)
    with pytest.raises(PermissionDenied):
        approve(req, owner)
    decision = approve(req, successor, comment="ok")
    assert decision.entitled_as == "A of Runtime policy (platform security)"


def test_team_level_a_overrides_global(engineer, owner, identity, governed, team):
    from tests.governance.factories import AssignmentFactory

    team_a = UserFactory()
    AssignmentFactory(
        domain=governed["runtime_policy"], scope_kind="team", team=team, assignee_user=team_a
    )
    req = submit_exception(actor=engineer, identity=identity)
    assert notified("approval_requested", team_a) and not notified("approval_requested", owner)
    with pytest.raises(PermissionDenied):
        approve(req, owner)
    approve(req, team_a)


# --- approve / reject -----------------------------------------------------------------------
def test_approval_makes_a_grant_with_start_and_end(engineer, owner, identity):
    now = timezone.now()
    req = submit_exception(actor=engineer, identity=identity, days=10, now=now)
    decision = approve(req, owner, comment="Fine for ten days.", now=now)
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and req.decided_at == now
    grant = req.grant
    assert (grant.starts_at, grant.expires_at) == (req.requested_start, req.requested_end)
    assert grant.status == GrantStatus.ACTIVE and grant.is_live
    assert decision.comment == "Fine for ten days." and decision.entitled_as.startswith("A of")
    assert notified("request_approved", engineer)
    kinds = set(LifecycleEvent.objects.filter(identity=identity).values_list("kind", flat=True))
    assert {"request_decided", "grant_activated"} <= kinds
    reasons = list(req.history.values_list("history_change_reason", flat=True))
    assert any(r.startswith("approved by") for r in reasons)


def test_rejection_makes_no_grant_and_tells_the_requester(engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    reject(req, owner, comment="Rotate instead.")
    req.refresh_from_db()
    assert req.status == RequestStatus.REJECTED
    assert not Grant.objects.exists()
    n = Notification.objects.get(kind="request_rejected", recipient=engineer)
    assert n.body == "Rotate instead." and n.link == f"/approvals/requests/{req.pk}/"


@pytest.mark.parametrize("first", ["approve", "reject"])
@pytest.mark.parametrize("second", ["approve", "reject"])
def test_deciding_a_decided_request_is_a_conflict(engineer, owner, identity, first, second):
    req = submit_exception(actor=engineer, identity=identity)
    services.request_decide(request_id=req.pk, actor=owner, outcome=first, comment="decided")
    with pytest.raises(Conflict, match=r"already (approved|rejected)"):
        services.request_decide(request_id=req.pk, actor=owner, outcome=second, comment="again")
    assert Decision.objects.count() == 1
    assert Grant.objects.count() == (1 if first == "approve" else 0)


def test_expired_request_cannot_be_decided(engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    with pytest.raises(Conflict, match="expired"):
        approve(req, owner, now=req.expires_at + timedelta(seconds=1))


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_rejecting_without_a_reason_is_refused(engineer, owner, identity, comment):
    req = submit_exception(actor=engineer, identity=identity)
    with pytest.raises(ValidationError) as refused:
        reject(req, owner, comment=comment)
    assert "comment" in refused.value.message_dict
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING and not Decision.objects.exists()


def test_outcome_must_be_approve_or_reject(engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    with pytest.raises(ValidationError):
        services.request_decide(request_id=req.pk, actor=owner, outcome="maybe")


# --- quorum ---------------------------------------------------------------------------------
@pytest.fixture
def critical_request(engineer, team, ar_policy, responsible):
    critical = IdentityFactory(team=team, risk_tier="critical")
    return submit_exception(actor=engineer, identity=critical)


def test_quorum_needs_two_approvals(critical_request, owner, responsible):
    req = critical_request
    assert req.approvals_required == 2
    approve(req, owner)
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING and not Grant.objects.exists()
    with pytest.raises(Conflict, match="already decided"):
        approve(req, owner)
    decision = approve(req, responsible)
    assert decision.entitled_as == "R of Runtime policy (platform security)"
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and Grant.objects.count() == 1


def test_quorum_one_rejection_rejects(critical_request, owner, responsible):
    approve(critical_request, owner)
    reject(critical_request, responsible, comment="no")
    critical_request.refresh_from_db()
    assert critical_request.status == RequestStatus.REJECTED and not Grant.objects.exists()


def test_quorum_grant_takes_the_narrowest_window(critical_request, owner, responsible):
    req = critical_request
    later = req.requested_start + timedelta(days=1)
    earlier = req.requested_end - timedelta(days=5)
    approve(req, owner, granted_start=later)
    approve(req, responsible, granted_end=earlier)
    grant = Grant.objects.get()
    assert (grant.starts_at, grant.expires_at) == (later, earlier)


def test_quorum_windows_that_do_not_overlap_are_refused(critical_request, owner, responsible):
    req = critical_request
    approve(req, owner, granted_end=req.requested_start + timedelta(days=1))
    with pytest.raises(ValidationError):
        approve(req, responsible, granted_start=req.requested_start + timedelta(days=2))
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING and not Grant.objects.exists()


# --- shorter or later -----------------------------------------------------------------------
def test_approver_may_shorten_and_start_later_and_both_are_kept(engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity, days=30)
    start = req.requested_start + timedelta(days=2)
    end = req.requested_start + timedelta(days=10)
    decision = approve(req, owner, granted_start=start, granted_end=end)
    req.refresh_from_db()
    grant = req.grant
    assert (grant.starts_at, grant.expires_at) == (start, end)
    assert (decision.granted_start, decision.granted_end) == (start, end)
    assert req.requested_end == req.requested_start + timedelta(days=30)  # what was asked
    assert not grant.is_live  # starts later


@pytest.mark.parametrize(
    ("start", "end"),
    [(-1, None), (None, 31), (5, 4), (None, 0)],
    ids=["earlier-start", "later-end", "end-before-start", "end-at-start"],
)
def test_approver_cannot_widen_the_window(engineer, owner, identity, start, end):
    req = submit_exception(actor=engineer, identity=identity, days=30)
    base = req.requested_start
    with pytest.raises(ValidationError):
        approve(
            req,
            owner,
            granted_start=base + timedelta(days=start) if start is not None else None,
            granted_end=base + timedelta(days=end) if end is not None else None,
        )
    assert not Decision.objects.exists()


# --- cancel and expiry ----------------------------------------------------------------------
def test_requester_or_admin_cancels_a_pending_request(engineer, owner, admin_user, identity):
    req = submit_exception(actor=engineer, identity=identity)
    with pytest.raises(PermissionDenied):
        services.request_cancel(actor=owner, request=req)
    services.request_cancel(actor=engineer, request=req)
    req.refresh_from_db()
    assert req.status == RequestStatus.CANCELLED
    with pytest.raises(Conflict):
        services.request_cancel(actor=admin_user, request=req)
    with pytest.raises(Conflict):
        approve(req, owner)


def test_pending_requests_expire_once(engineer, identity):
    req = submit_exception(actor=engineer, identity=identity)
    fresh = submit_exception(actor=engineer, identity=identity)
    Request.objects.filter(pk=fresh.pk).update(expires_at=timezone.now() + timedelta(days=30))
    later = req.expires_at + timedelta(minutes=1)
    assert services.requests_expire_pending(now=later) == 1
    assert services.requests_expire_pending(now=later) == 0
    req.refresh_from_db()
    assert req.status == RequestStatus.EXPIRED
    assert req.history.latest().history_change_reason == "expired without a decision"
    assert Notification.objects.filter(kind="request_expired", recipient=engineer).count() == 1
