"""Transitions: submit, decide (separation of duties, right owner at decision time, quorum,
exactly once), grants (shortened, revoked, ended, reviewed), renewal, break-glass, expiry."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from approvals import grants, selectors, services
from approvals.choices import GrantStatus, RequestStatus
from approvals.models import ApprovalPolicy, Decision, Grant, GrantCredential, Request
from core.errors import Conflict
from core.models import Notification
from identities.models import LifecycleEvent
from tests.approvals.conftest import set_accountable
from tests.approvals.factories import onboarding_data, submit_emergency, submit_exception
from tests.factories import CredentialFactory, IdentityFactory, PlatformFactory, UserFactory

pytestmark = pytest.mark.django_db


def notified(kind, user) -> bool:
    return Notification.objects.filter(kind=kind, recipient=user).exists()


def approve(req, actor, **kw):
    return services.request_decide(request_id=req.pk, actor=actor, outcome="approve", **kw)


def reject(req, actor, **kw):
    return services.request_decide(request_id=req.pk, actor=actor, outcome="reject", **kw)


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


# --- onboarding -----------------------------------------------------------------------------
def test_onboarding_approval_activates_the_identity(engineer, owner, team, governed):
    req = services.onboarding_submit(
        actor=engineer, data=onboarding_data(team=team, platform=PlatformFactory())
    )
    assert req.identity.status == "pending" and req.kind == "onboarding"
    approve(req, owner)
    req.identity.refresh_from_db()
    assert req.identity.status == "active"


def test_onboarding_rejection_rejects_the_identity(engineer, owner, team, governed):
    req = services.onboarding_submit(
        actor=engineer, data=onboarding_data(team=team, platform=PlatformFactory())
    )
    reject(req, owner, comment="duplicate of ledger-sync")
    req.identity.refresh_from_db()
    assert req.identity.status == "rejected"


def test_onboarding_request_ends_with_the_identity(engineer, team, governed):
    ends_on = timezone.localdate() + timedelta(days=10)
    req = services.onboarding_submit(
        actor=engineer,
        data=onboarding_data(team=team, platform=PlatformFactory(), ends_on=ends_on),
    )
    assert req.requested_end.date() == ends_on


# --- break-glass ----------------------------------------------------------------------------
def test_emergency_is_active_at_once_and_the_a_is_told(engineer, owner, identity):
    now = timezone.now()
    req = submit_emergency(actor=engineer, identity=identity, hours=3, now=now)
    assert req.status == RequestStatus.APPROVED and req.evaluation.outcome == "active_at_once"
    grant = req.grant
    assert grant.is_live and grant.starts_at == now
    assert grant.expires_at == now + timedelta(hours=3)
    assert grant.review_due_at == now + timedelta(hours=24)
    n = Notification.objects.get(kind="emergency_activated")
    assert n.recipient == owner and "review it by" in n.reason
    assert [g.pk for g in selectors.active_emergency_grants(owner)] == [grant.pk]
    with pytest.raises(Conflict):
        approve(req, owner)


def test_post_incident_review_by_the_a_only(engineer, owner, identity, admin_user):
    grant = submit_emergency(actor=engineer, identity=identity).grant
    assert list(selectors.reviews_due(owner)) == [grant]
    with pytest.raises(PermissionDenied, match="own emergency"):
        grants.grant_review(actor=engineer, grant=grant, notes="all fine")
    with pytest.raises(PermissionDenied):
        grants.grant_review(actor=admin_user, grant=grant, notes="all fine")
    with pytest.raises(ValidationError):
        grants.grant_review(actor=owner, grant=grant, notes="  ")
    reviewed = grants.grant_review(actor=owner, grant=grant, notes="Used as asked.")
    assert reviewed.reviewed_by == owner and reviewed.review_notes == "Used as asked."
    assert list(selectors.reviews_due(owner)) == []
    with pytest.raises(Conflict):
        grants.grant_review(actor=owner, grant=grant, notes="again")


def test_review_becomes_overdue_after_the_deadline(engineer, owner, identity):
    past = timezone.now() - timedelta(hours=30)
    grant = submit_emergency(actor=engineer, identity=identity, now=past).grant
    assert grant.review_due_at < timezone.now()
    assert list(selectors.reviews_due(owner)) == [grant]  # still open, now overdue


def test_only_break_glass_grants_are_reviewed(engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    approve(req, owner)
    with pytest.raises(PermissionDenied):  # owner is A of exceptions too, but wrong kind
        grants.grant_review(actor=UserFactory(), grant=req.grant, notes="x")
    with pytest.raises(ValidationError, match="needs no post-incident review"):
        grants.grant_review(actor=owner, grant=Grant.objects.get(pk=req.grant.pk), notes="x")


# --- revoke and end -------------------------------------------------------------------------
@pytest.fixture
def grant(engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    approve(req, owner)
    return Grant.objects.get(request=req)


def test_owner_revokes_with_a_reason(grant, owner, engineer):
    with pytest.raises(ValidationError):
        grants.grant_revoke(actor=owner, grant=grant, reason=" ")
    ended = grants.grant_revoke(actor=owner, grant=grant, reason="vendor fixed it")
    assert (ended.status, ended.ended_by, ended.end_reason) == ("revoked", owner, "vendor fixed it")
    assert notified("grant_revoked", engineer)
    assert LifecycleEvent.objects.filter(kind="grant_revoked", related_id=grant.pk).exists()
    assert "grant revoked" in grant.history.latest().history_change_reason
    with pytest.raises(Conflict, match="already ended"):
        grants.grant_revoke(actor=owner, grant=grant, reason="again")


def test_admin_and_requester_may_revoke_others_may_not(grant, admin_user, engineer, auditor):
    for actor in (auditor, UserFactory(groups=["engineers"])):
        with pytest.raises(PermissionDenied):
            grants.grant_revoke(actor=actor, grant=grant, reason="no")
    grants.grant_revoke(actor=engineer, grant=grant, reason="no longer needed")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REVOKED
    other = Grant.objects.get(pk=grant.pk)
    with pytest.raises(Conflict):
        grants.grant_revoke(actor=admin_user, grant=other, reason="also")


def test_grants_end_is_set_based_and_idempotent(grant, engineer, owner, identity):
    second = submit_emergency(actor=engineer, identity=identity).grant
    ended = grants.grants_end(grant_ids=[grant.pk, second.pk], status="expired")
    assert {g.pk for g in ended} == {grant.pk, second.pk}
    assert grants.grants_end(grant_ids=[grant.pk, second.pk], status="expired") == []
    grant.refresh_from_db()
    assert grant.status == "expired" and grant.ended_by.username
    assert grant.end_reason == "reached its end time"
    with pytest.raises(ValidationError):
        grants.grants_end(grant_ids=[grant.pk], status="active")


def test_grant_end_for_a_decommissioned_identity(grant):
    ended = grants.grant_end(grant=grant, status="decommissioned", reason="identity retired")
    assert ended.status == GrantStatus.DECOMMISSIONED


# --- renewal --------------------------------------------------------------------------------
def test_renewal_refers_to_the_grant_and_is_evaluated(grant, engineer, owner, identity):
    renewal = services.request_submit(
        actor=engineer,
        kind="exception",
        identity=identity,
        renews=grant,
        duration_hours=24 * 20,
        excepted_policy="credentials rotate every 90 days",
        scope="the ledger signing key",
        justification="Migration slipped.",
        compensating_controls="Same as before.",
    )
    assert renewal.renews == grant and renewal.requested_start == grant.expires_at
    shorter = renewal.requested_start + timedelta(days=7)
    approve(renewal, owner, granted_end=shorter)
    renewal.refresh_from_db()
    assert renewal.grant.expires_at == shorter  # granted
    assert renewal.requested_end == renewal.requested_start + timedelta(days=20)  # asked


def test_renewal_over_the_maximum_is_refused(grant, engineer, identity):
    from approvals.services import PolicyRefused

    with pytest.raises(PolicyRefused):
        services.request_submit(
            actor=engineer,
            kind="exception",
            identity=identity,
            renews=grant,
            duration_hours=24 * 91,
            excepted_policy="x",
            scope="y",
            justification="z",
            compensating_controls="w",
        )


def test_renewal_must_refer_to_an_active_grant_of_the_same_identity(
    grant, engineer, owner, team, identity
):
    other = IdentityFactory(team=team)
    with pytest.raises(ValidationError, match="same identity and kind"):
        services.request_submit(actor=engineer, kind="exception", identity=other, renews=grant)
    with pytest.raises(ValidationError, match="same identity and kind"):
        services.request_submit(actor=engineer, kind="emergency", identity=identity, renews=grant)
    grants.grant_revoke(actor=owner, grant=grant, reason="done")
    grant.refresh_from_db()
    with pytest.raises(ValidationError, match="Only an active grant"):
        services.request_submit(actor=engineer, kind="exception", identity=identity, renews=grant)


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


# --- credentials under a grant --------------------------------------------------------------
def test_credentials_link_to_their_grant(grant, owner, identity, engineer):
    credential = CredentialFactory(identity=identity)
    link = grants.grant_link_credential(actor=engineer, grant=grant, credential=credential)
    assert list(grant.credentials.all()) == [credential] and link.grant == grant
    with pytest.raises(Conflict):
        grants.grant_link_credential(actor=engineer, grant=grant, credential=credential)
    with pytest.raises(ValidationError, match="another identity"):
        grants.grant_link_credential(actor=engineer, grant=grant, credential=CredentialFactory())
    grants.grant_revoke(actor=owner, grant=grant, reason="done")
    grant.refresh_from_db()
    with pytest.raises(ValidationError, match="active grant"):
        grants.grant_link_credential(
            actor=engineer, grant=grant, credential=CredentialFactory(identity=identity)
        )
    assert GrantCredential.objects.count() == 1


# --- scope ----------------------------------------------------------------------------------
def test_approver_keeps_seeing_what_they_decided(engineer, identity, governed):
    """The A of runtime policy need not see the identity: the request stays in their scope."""
    a = UserFactory(username="rita-runtime", groups=["engineers"])
    set_accountable(governed["runtime_policy"], a)
    req = submit_exception(actor=engineer, identity=identity)
    assert selectors.waiting_for(a) == [req.pk]
    approve(req, a)
    assert selectors.request_get(user=a, pk=req.pk) == req
    assert selectors.grant_get(user=a, pk=req.grant.pk) == req.grant
    assert selectors.waiting_for(a) == []


def test_the_emergency_a_sees_the_active_grant_without_seeing_the_identity(
    engineer, identity, governed
):
    a = UserFactory(username="eve-emergency", groups=["engineers"])
    set_accountable(governed["exceptions"], a)
    grant = submit_emergency(actor=engineer, identity=identity).grant
    assert list(selectors.active_emergency_grants(a)) == [grant]
    assert list(selectors.reviews_due(a)) == [grant]
    grants.grant_review(actor=a, grant=grant, notes="ok")
    grants.grant_revoke(actor=a, grant=grant, reason="incident closed")
    assert selectors.request_get(user=a, pk=grant.request_id)  # still, as its reviewer
    assert list(selectors.active_emergency_grants(a)) == []


def test_outsiders_see_no_requests(engineer, identity, outsider):
    submit_exception(actor=engineer, identity=identity)
    assert not selectors.request_scope(outsider).exists()
    assert selectors.waiting_for(outsider) == []


def test_renewal_keeps_what_it_does_not_restate(grant, engineer, identity):
    renewal = services.request_submit(
        actor=engineer,
        kind="exception",
        identity=identity,
        renews=grant,
        duration_hours=24,
        justification="One more day.",
    )
    assert renewal.justification == "One more day."
    assert renewal.compensating_controls == grant.request.compensating_controls
    assert renewal.excepted_policy == grant.request.excepted_policy


def test_renewing_emergency_access_needs_an_approval(governed, engineer, owner):
    from datetime import timedelta

    from django.utils import timezone

    from tests.approvals_helpers import emergency
    from tests.factories import IdentityFactory, TeamFactory

    identity = IdentityFactory(team=TeamFactory(members=[engineer]))
    grant = emergency(identity, engineer, timezone.now(), hours=2)
    renewal = services.request_submit(
        actor=engineer, kind="emergency", identity=identity, renews=grant,
        duration_hours=2, justification="still down",
        requested_start=grant.expires_at - timedelta(minutes=1),
    )  # fmt: skip
    assert renewal.status == "pending" and not hasattr(renewal, "grant")
    assert renewal.evaluation.outcome == "needs_approval"
