"""Every policy rule, evaluated at request time: what is stored, what is refused and why,
and that a refusal leaves nothing half-made."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from approvals import services
from approvals.choices import Outcome, RequestKind, RequestStatus
from approvals.models import ApprovalPolicy, Grant, PolicyEvaluation, Request
from approvals.services import PolicyRefused
from core.models import Notification
from identities.models import Identity, LifecycleEvent
from tests.approvals.conftest import set_accountable
from tests.approvals.factories import (
    EXCEPTION_FIELDS,
    onboarding_data,
    submit_emergency,
    submit_exception,
)
from tests.factories import IdentityFactory, PlatformFactory, UserFactory

pytestmark = pytest.mark.django_db


def counts():
    return (
        Request.objects.count(),
        PolicyEvaluation.objects.count(),
        Grant.objects.count(),
        LifecycleEvent.objects.count(),
        Notification.objects.count(),
        Identity.objects.count(),
    )


def refused(call) -> list[str]:
    before = counts()
    with pytest.raises(PolicyRefused) as exc:
        call()
    assert counts() == before, "a refused request leaves nothing behind"
    return exc.value.reasons


# --- the seeded defaults --------------------------------------------------------------------
def test_seeded_defaults_match_the_design(governed):
    policies = {p.kind: p for p in ApprovalPolicy.objects.select_related("approver_domain")}
    onboarding, exception, emergency = (policies[k] for k in RequestKind.values)
    assert onboarding.approver_domain.key == "identity" and onboarding.approver_roles == "A"
    assert exception.approver_domain.key == "runtime_policy"
    assert exception.max_duration_hours == 90 * 24
    assert exception.requires_compensating_controls
    assert emergency.approver_domain.key == "exceptions"
    assert emergency.break_glass and emergency.max_duration_hours == 4
    assert emergency.post_incident_review_hours == 24
    assert onboarding.approvals_needed("critical") == 2
    assert onboarding.approvals_needed("medium") == 1
    for policy in policies.values():
        assert policy.version == 1
        assert policy.history.count() == 1


# --- what is stored -------------------------------------------------------------------------
def test_evaluation_stores_policy_version_inputs_outcome(engineer, owner, identity):
    now = timezone.now()
    req = submit_exception(actor=engineer, identity=identity, days=10, now=now)
    ev = req.evaluation
    assert ev.policy.kind == "exception" and ev.policy_version == 1
    assert ev.outcome == Outcome.NEEDS_APPROVAL and ev.reasons == []
    assert ev.policy_snapshot["approver_domain"] == "runtime_policy"
    assert ev.policy_snapshot["max_duration_hours"] == 2160
    assert ev.inputs["identity_status"] == "active"
    assert ev.inputs["requested_hours"] == 240
    assert ev.inputs["requester"] == engineer.username
    assert ev.inputs["effective_owners"]["accountable"] == owner.username
    assert ev.inputs["effective_owners"]["accountable_source"].startswith("Global")
    assert ev.inputs["eligible_approvers"] == 1
    assert ev.evaluated_at == now
    assert req.status == RequestStatus.PENDING


def test_evaluation_names_the_policy_version_in_force(admin_user, engineer, identity):
    first = submit_exception(actor=engineer, identity=identity)
    policy = ApprovalPolicy.objects.get(kind="exception")
    services.policy_update(
        actor=admin_user, policy=policy, reason="tighter after audit", max_duration_hours=24 * 30
    )
    second = submit_exception(actor=engineer, identity=identity, days=20)
    first.evaluation.refresh_from_db()
    assert (first.evaluation.policy_version, second.evaluation.policy_version) == (1, 2)
    assert second.evaluation.policy_snapshot["max_duration_hours"] == 720
    versions = list(policy.history.order_by("history_date").values_list("version", flat=True))
    assert versions == [1, 2]
    assert "tighter after audit" in policy.history.latest().history_change_reason
    # the new maximum applies at once
    reasons = refused(lambda: submit_exception(actor=engineer, identity=identity, days=31))
    assert any("at most 30 days" in r for r in reasons)


def test_only_admins_change_policies_with_a_reason(admin_user, owner, governed):
    policy = ApprovalPolicy.objects.get(kind="exception")
    with pytest.raises(PermissionDenied):
        services.policy_update(actor=owner, policy=policy, reason="x", max_duration_hours=1)
    with pytest.raises(ValidationError):
        services.policy_update(actor=admin_user, policy=policy, reason=" ", max_duration_hours=1)
    with pytest.raises(ValidationError):  # default above the new maximum
        services.policy_update(actor=admin_user, policy=policy, reason="x", max_duration_hours=1)
    with pytest.raises(ValidationError):
        services.policy_update(actor=admin_user, policy=policy, reason="x", kind="emergency")
    policy.refresh_from_db()
    assert policy.version == 1


# --- refusals -------------------------------------------------------------------------------
def test_duration_over_the_maximum_is_refused(engineer, identity):
    reasons = refused(lambda: submit_exception(actor=engineer, identity=identity, days=91))
    assert reasons == ["Asks for 91 days; the policy allows at most 90 days."]


def test_emergency_over_four_hours_is_refused(engineer, identity):
    reasons = refused(lambda: submit_emergency(actor=engineer, identity=identity, hours=5))
    assert reasons == ["Asks for 5 hours; the policy allows at most 4 hours."]


def test_decommissioned_identity_is_refused(engineer, team, governed):
    identity = IdentityFactory(team=team, status="decommissioned")
    reasons = refused(lambda: submit_exception(actor=engineer, identity=identity))
    assert reasons == [
        "A policy exception request cannot be made for a decommissioned identity: its access "
        "has ended for good."
    ]
    reasons = refused(lambda: submit_emergency(actor=engineer, identity=identity))
    assert "decommissioned identity" in reasons[0]


def test_exception_needs_active_identity_emergency_allows_suspended(engineer, team, governed):
    suspended = IdentityFactory(team=team, status="suspended")
    refused(lambda: submit_exception(actor=engineer, identity=suspended))
    req = submit_emergency(actor=engineer, identity=suspended)
    assert req.status == RequestStatus.APPROVED


def test_onboarding_only_for_a_pending_identity(engineer, identity):
    reasons = refused(
        lambda: services.request_submit(
            actor=engineer, kind="onboarding", identity=identity, justification="again"
        )
    )
    assert "active identity" in reasons[0]


def test_ownership_gap_means_no_effective_approver(engineer, identity, governed):
    set_accountable(governed["runtime_policy"], None)
    reasons = refused(lambda: submit_exception(actor=engineer, identity=identity))
    assert len(reasons) == 1
    assert reasons[0].startswith(
        "No effective approver: ownership gap in Runtime policy (platform security)"
    )


def test_deactivated_accountable_is_a_gap(engineer, owner, identity):
    owner.is_active = False
    owner.save()
    reasons = refused(lambda: submit_exception(actor=engineer, identity=identity))
    assert len(reasons) == 1 and "ownership gap" in reasons[0]


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("justification", "A justification is required."),
        ("compensating_controls", "Compensating controls are required for a policy exception."),
        ("excepted_policy", "'excepted policy' is required."),
        ("scope", "'scope' is required."),
    ],
)
def test_exception_missing_fields_are_refused(engineer, identity, field, reason):
    reasons = refused(lambda: submit_exception(actor=engineer, identity=identity, **{field: "  "}))
    assert reasons == [reason]


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("incident_reference", "An incident reference is required."),
        ("access_requested", "'access requested' is required."),
    ],
)
def test_emergency_missing_fields_are_refused(engineer, identity, field, reason):
    reasons = refused(lambda: submit_emergency(actor=engineer, identity=identity, **{field: ""}))
    assert reasons == [reason]


def test_every_reason_is_given_at_once(engineer, identity):
    reasons = refused(
        lambda: submit_exception(
            actor=engineer, identity=identity, days=100, justification="", compensating_controls=""
        )
    )
    assert len(reasons) == 3


def test_start_in_the_past_and_end_before_start_are_refused(engineer, identity):
    now = timezone.now()
    reasons = refused(
        lambda: submit_exception(
            actor=engineer, identity=identity, now=now, requested_start=now - timedelta(days=1)
        )
    )
    assert reasons == ["The start is in the past."]
    reasons = refused(
        lambda: submit_exception(
            actor=engineer, identity=identity, now=now, requested_end=now - timedelta(hours=1)
        )
    )
    assert "The end must be after the start." in reasons


def test_requester_as_only_approver_is_refused(owner, team, identity):
    team.group.user_set.add(owner)  # the A can now ask for the identity
    reasons = refused(lambda: submit_exception(actor=owner, identity=identity))
    assert reasons == ["The only eligible approver is the requester: someone else must decide."]


def test_critical_identity_needs_two_eligible_approvers(engineer, team, governed):
    critical = IdentityFactory(team=team, risk_tier="critical")
    reasons = refused(lambda: submit_exception(actor=engineer, identity=critical))
    # ... and says who could be added where: the policy counts only the A, so an R is not
    # enough until an admin lets responsibles approve
    assert reasons == [
        "Needs 2 approvals for a critical-risk identity but only 1 eligible approver exists. "
        "To reach 2, only the A decides under this policy, so an admin lets a responsible (R) "
        f"approve too (approval policy “{ApprovalPolicy.objects.get(kind='exception').name}”) "
        f"and adds one for {governed['runtime_policy'].name} in the RACI matrix (/ownership/)."
    ]


def test_critical_identity_with_a_and_r_needs_two_approvals(
    admin_user, engineer, team, governed, responsible
):
    policy = ApprovalPolicy.objects.get(kind="exception")
    services.policy_update(actor=admin_user, policy=policy, reason="A or R", approver_roles="AR")
    critical = IdentityFactory(team=team, risk_tier="critical")
    req = submit_exception(actor=engineer, identity=critical)
    assert req.approvals_required == 2
    assert req.evaluation.inputs["eligible_approvers"] == 2


def test_missing_policy_is_a_clear_error(engineer, identity):
    ApprovalPolicy.objects.filter(kind="exception").delete()
    with pytest.raises(ValidationError, match="No approval policy"):
        submit_exception(actor=engineer, identity=identity)


def test_refused_onboarding_leaves_no_identity(engineer, team, governed):
    set_accountable(governed["identity"], None)
    data = onboarding_data(team=team, platform=PlatformFactory())
    reasons = refused(lambda: services.onboarding_submit(actor=engineer, data=data))
    assert "ownership gap" in reasons[0]
    assert not Identity.objects.filter(name="refund-agent").exists()


def test_unknown_fields_and_secret_values_are_refused(engineer, identity):
    with pytest.raises(ValidationError, match="Unknown request fields"):
        submit_exception(actor=engineer, identity=identity, colour="red")
    with pytest.raises(ValidationError):
        submit_exception(
            actor=engineer,
            identity=identity,
            justification="key is ghp_" + "a1B2" * 9,
        )
    assert Request.objects.count() == 0


def test_auditor_and_out_of_scope_requesters_are_refused(auditor, outsider, identity):
    for actor in (auditor, outsider, UserFactory(groups=["engineers"])):
        with pytest.raises(PermissionDenied):
            submit_exception(actor=actor, identity=identity)
    assert Request.objects.count() == 0


def test_default_duration_when_no_end_is_given(engineer, identity):
    now = timezone.now()
    req = services.request_submit(
        actor=engineer, kind="exception", identity=identity, now=now, **EXCEPTION_FIELDS
    )
    assert req.requested_start == now
    assert req.requested_end == now + timedelta(days=30)
    assert req.expires_at == now + timedelta(days=7)
