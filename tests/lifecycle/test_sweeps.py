"""Sweeps with an injected `now`: reminders, expiry, decommission and escalation — idempotent
and catching up after downtime."""

from datetime import timedelta

import pytest

from approvals.choices import GrantStatus, RequestStatus
from core.models import Notification
from identities.choices import CredentialStatus, IdentityStatus
from identities.models import LifecycleEvent
from lifecycle.sweeps import (
    decommission_sweep,
    escalation_sweep,
    expiry_sweep,
    rotation_candidates,
    rotation_sweep,
    run_sweeps,
)
from tests.factories import CredentialFactory, IdentityFactory, UserFactory
from tests.governance.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def notes(kind_prefix=""):
    return list(
        Notification.objects.filter(kind__startswith=kind_prefix).values_list(
            "kind", "recipient__username", "subject_id", "due_on"
        )
    )


def api_key(identity, now, *, age_days, expires_in_days=None):
    """medium-risk api_key policy: max age 180 days, reminders at 30/7/1 days."""
    return CredentialFactory(
        identity=identity,
        kind="api_key",
        issued_at=now - timedelta(days=age_days),
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days is not None else None,
    )


def test_reminder_at_the_right_lead_goes_to_the_r(lifecycle_world, now):
    cred = api_key(lifecycle_world["identity"], now, age_days=175)  # due in 5 days
    api_key(lifecycle_world["identity"], now, age_days=10)  # not due
    result = rotation_sweep(now=now)
    assert notes() == [
        ("rotation_due_7d", "erin-engineer", cred.pk, (now + timedelta(days=5)).date())
    ]
    assert result.notifications == 1


def test_running_twice_sends_nothing_twice(lifecycle_world, now):
    api_key(lifecycle_world["identity"], now, age_days=175)
    rotation_sweep(now=now)
    rotation_sweep(now=now)
    rotation_sweep(now=now + timedelta(hours=6))
    assert Notification.objects.count() == 1


def test_overdue_goes_to_the_a_when_there_is_no_r(governed, now, owner):
    from lifecycle.defaults import seed_rotation_policies
    from lifecycle.models import RotationPolicy

    seed_rotation_policies(RotationPolicy, RotationPolicy.history.model)
    identity = IdentityFactory(risk_tier="medium")
    cred = api_key(identity, now, age_days=181)
    rotation_sweep(now=now)
    assert notes() == [("rotation_overdue", "olu-owner", cred.pk, (now - timedelta(days=1)).date())]


def test_escalation_to_the_a_after_the_grace(lifecycle_world, now):
    cred = api_key(lifecycle_world["identity"], now, age_days=190)  # 10 days overdue, grace 3
    rotation_sweep(now=now)
    assert sorted(notes()) == sorted([
        ("rotation_escalated", "olu-owner", cred.pk, (now - timedelta(days=10)).date()),
        ("rotation_overdue", "erin-engineer", cred.pk, (now - timedelta(days=10)).date()),
    ])  # fmt: skip


def test_expiry_date_before_max_age_makes_it_due(lifecycle_world, now):
    cred = api_key(lifecycle_world["identity"], now, age_days=1, expires_in_days=20)
    rotation_sweep(now=now)
    assert notes() == [
        ("rotation_due_30d", "erin-engineer", cred.pk, (now + timedelta(days=20)).date())
    ]


def test_beat_down_three_days_is_caught_up_on_the_next_run(lifecycle_world, now):
    """Due dates that passed while nothing ran are handled on the first run after: the
    current stage only (overdue), not a flurry of stale lead reminders."""
    creds = [api_key(lifecycle_world["identity"], now, age_days=180 + d) for d in (1, 2)]
    expiring = api_key(lifecycle_world["identity"], now, age_days=1, expires_in_days=-2)
    rotation_sweep(now=now)
    kinds = {(k, s) for k, _u, s, _d in notes()}
    assert kinds == {("rotation_overdue", c.pk) for c in [*creds, expiring]}
    expiry_sweep(now=now)
    expiring.refresh_from_db()
    assert expiring.status == CredentialStatus.EXPIRED


def test_rotation_candidates_are_one_query_for_every_policy(
    lifecycle_world, now, django_assert_num_queries
):
    for _ in range(30):
        api_key(lifecycle_world["identity"], now, age_days=175)
    from lifecycle.models import RotationPolicy

    assert RotationPolicy.objects.count() > 1
    with django_assert_num_queries(2):  # the policies, then the candidates
        assert len(rotation_candidates(now=now)) == 30


def test_rotation_sweep_queries_per_batch_are_bounded(
    lifecycle_world, now, settings, django_assert_max_num_queries
):
    settings.LIFECYCLE_SWEEP_BATCH_SIZE = 10
    for _ in range(30):
        api_key(lifecycle_world["identity"], now, age_days=175)

    per_batch = 12  # owner resolution (~6), notify_many (~3), savepoints
    with django_assert_max_num_queries(2 + 3 * per_batch):
        rotation_sweep(now=now)
    assert Notification.objects.count() == 30


def test_expired_credentials_are_ended_with_event_and_owners_told(lifecycle_world, now):
    cred = api_key(lifecycle_world["identity"], now, age_days=30, expires_in_days=-1)
    result = expiry_sweep(now=now)
    cred.refresh_from_db()
    assert cred.status == CredentialStatus.EXPIRED
    assert result.details["credentials"] == 1
    assert LifecycleEvent.objects.filter(credential=cred, kind="credential_expired").count() == 1
    assert cred.history.first().history_change_reason.startswith("expired")
    assert {u for _k, u, _s, _d in notes("credential_expired")} == {"erin-engineer", "olu-owner"}
    expiry_sweep(now=now)
    assert LifecycleEvent.objects.filter(kind="credential_expired").count() == 1


def test_expiry_ends_a_credential_only_where_its_kind_and_risk_tier_policy_says_expire(
    lifecycle_world, now
):
    """The policy is per (credential kind, identity risk tier): `notify` keeps a credential
    active past its expiry (reminders only), `expire` ends it."""
    from lifecycle.models import RotationPolicy

    policies = {("api_key", "high"): "notify", ("api_key", "medium"): "expire",
                ("ssh_key", "high"): "expire"}  # fmt: skip
    for (kind, tier), action in policies.items():
        RotationPolicy.objects.filter(credential_kind=kind, risk_tier=tier).update(
            action_at_expiry=action
        )
    team = lifecycle_world["team"]
    high = IdentityFactory(team=team, risk_tier="high")
    kept = api_key(high, now, age_days=9, expires_in_days=-1)
    ssh = CredentialFactory(
        identity=high, kind="ssh_key", issued_at=now - timedelta(days=9),
        expires_at=now - timedelta(days=1),
    )  # fmt: skip
    ended = api_key(lifecycle_world["identity"], now, age_days=9, expires_in_days=-1)
    result = expiry_sweep(now=now)
    for credential in (kept, ssh, ended):
        credential.refresh_from_db()
    assert kept.status == CredentialStatus.ACTIVE
    assert (ssh.status, ended.status) == (CredentialStatus.EXPIRED, CredentialStatus.EXPIRED)
    assert result.details["credentials"] == 2


def test_grant_whose_end_passed_while_worker_was_down_is_ended_next_run(lifecycle_world, now):
    from approvals.models import Grant
    from tests.approvals_helpers import approved_exception

    grant = approved_exception(lifecycle_world["identity"], now - timedelta(days=10), days=3)
    result = expiry_sweep(now=now)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.EXPIRED and grant.ended_at == now
    assert result.details["grants"] == 1
    assert expiry_sweep(now=now).details["grants"] == 0
    assert Grant.history.filter(id=grant.pk, status="expired").count() == 1


def test_pending_requests_past_expiry_are_expired(lifecycle_world, now):
    from tests.approvals_helpers import pending_exception

    request = pending_exception(lifecycle_world["identity"], now - timedelta(days=8))
    expiry_sweep(now=now)
    request.refresh_from_db()
    assert request.status == RequestStatus.EXPIRED
    assert notes("request_expired")


def test_expiry_counts_every_notification_it_queues_and_a_rerun_counts_none(lifecycle_world, now):
    """A credential (its R and A told), a grant (its requester and A), a pending request (its
    requester): the result counts each queued notification once, in every pass."""
    from tests.approvals_helpers import approved_exception, pending_exception

    identity = lifecycle_world["identity"]
    api_key(identity, now, age_days=30, expires_in_days=-1)
    approved_exception(identity, now - timedelta(days=10), days=3)
    pending_exception(identity, now - timedelta(days=8))
    Notification.objects.all().delete()  # what submitting and deciding queued

    result = expiry_sweep(now=now)
    assert result.details == {"credentials": 1, "grants": 1, "requests": 1}
    kinds = sorted(Notification.objects.values_list("kind", flat=True))
    assert kinds == ["credential_expired"] * 2 + ["grant_expired"] * 2 + ["request_expired"]
    assert result.notifications == 5
    assert expiry_sweep(now=now).notifications == 0


def test_identity_past_end_date_gets_reminder_then_is_suspended_after_grace(lifecycle_world, now):
    identity = lifecycle_world["identity"]
    identity.ends_on = (now - timedelta(days=2)).date()
    identity.save()
    assert decommission_sweep(now=now).notifications == 1
    assert notes("decommission_due") == [
        ("decommission_due", "olu-owner", identity.pk, identity.ends_on)
    ]
    identity.refresh_from_db()
    assert identity.status == IdentityStatus.ACTIVE
    result = decommission_sweep(now=now + timedelta(days=8))
    identity.refresh_from_db()
    assert identity.status == IdentityStatus.SUSPENDED
    assert result.details["suspended"] == 1
    assert identity.events.filter(kind="suspended").count() == 1
    assert len(notes("decommission_due")) == 1  # not sent again
    assert result.notifications == 1  # the suspension's reminder, counted once
    assert decommission_sweep(now=now + timedelta(days=8)).notifications == 0


def test_unused_identity_gets_decommission_reminder(lifecycle_world, now):
    identity = lifecycle_world["identity"]
    identity.last_used_at = now - timedelta(days=120)
    identity.save()
    decommission_sweep(now=now)
    assert [u for _k, u, _s, _d in notes("identity_unused")] == ["olu-owner"]


def test_gap_escalates_to_the_domains_global_a_or_admins(governed, now, admin_user):
    identity = IdentityFactory()
    governed["consumption"].assignments.all().delete()  # no A at all for consumption
    inactive = UserFactory(username="gone", is_active=False)
    AssignmentFactory(domain=governed["engineering"], scope_kind="identity", identity=identity,
                      role="A", assignee_user=inactive)  # fmt: skip
    escalation_sweep(now=now)
    got = {(k, u) for k, u, s, _d in notes("ownership_gap") if s == identity.pk}
    assert got == {
        ("ownership_gap:consumption", "alice-admin"),
        ("ownership_gap:engineering", "olu-owner"),
    }
    note = Notification.objects.get(kind="ownership_gap:consumption", subject_id=identity.pk)
    assert (note.subject_type, note.title, note.link, note.due_on) == (
        "identities.identity", f"Ownership gap: {identity.name} has no active A for consumption",
        "/ownership/gaps/", (now - timedelta(days=now.weekday())).date(),
    )  # fmt: skip
    escalation_sweep(now=now + timedelta(days=1))  # same week: nothing new
    assert Notification.objects.filter(kind__startswith="ownership_gap").count() == 2


def test_overdue_post_incident_review_escalates_to_the_a(lifecycle_world, now, engineer):
    from tests.approvals_helpers import emergency

    grant = emergency(lifecycle_world["identity"], engineer, now - timedelta(days=2))
    escalation_sweep(now=now)
    assert notes("review_overdue") == [
        ("review_overdue", "olu-owner", grant.pk, grant.review_due_at.date())
    ]
    note = Notification.objects.get(kind="review_overdue")
    assert (note.subject_type, note.title, note.link) == (
        "approvals.grant",
        f"Post-incident review overdue: emergency access to {grant.identity.name}",
        f"/approvals/requests/{grant.request_id}/",
    )


def test_run_sweeps_runs_every_sweep(lifecycle_world, now):
    assert [r.name for r in run_sweeps(now=now)] == [
        "rotation",
        "expiry",
        "decommission",
        "escalation",
        "reviews",
    ]


def test_run_sweeps_command(lifecycle_world, now, capsys):
    from django.core.management import call_command

    api_key(lifecycle_world["identity"], now, age_days=175)
    call_command("run_sweeps", "--now", "2026-11-28T09:00:00Z", "--only", "rotation")
    assert "rotation: handled=1, notifications=1" in capsys.readouterr().out
