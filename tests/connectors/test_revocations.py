"""Revocation jobs against moto's server mode: planned when Steward ends access, carried to
the source by one worker run, idempotent, retried with backoff when the emulator stops,
escalated to the A once."""

import datetime as dt
import os
import signal

import pytest
from django.utils import timezone

from approvals.choices import GrantStatus
from approvals.grants import grant_end, grant_link_credential
from connectors import services
from connectors.choices import JobStatus
from connectors.models import RevocationJob, SourceCredential
from connectors.planning import plan_revocations
from connectors.sync import connector_sync
from core.models import Notification
from evidence import ledger
from identities.choices import EventKind
from identities.credentials import credential_revoke
from identities.models import Identity, LifecycleEvent
from identities.status import identity_set_status
from lifecycle.services import identity_decommission
from tests.approvals_helpers import approved_exception
from tests.connectors.test_aws import make_user
from tests.factories import CredentialFactory, IdentityFactory

pytestmark = pytest.mark.django_db


def key_states(iam, user):
    return sorted(k["Status"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"])


def worker_run(now=None):
    """What one beat tick and its worker do: plan, then run every due job."""
    now = now or timezone.now()
    created = plan_revocations(now=now)
    return created, [
        services.revocation_run(job_id=pk, now=now) for pk in services.due_job_ids(now=now)
    ]


@pytest.fixture
def synced(aws_connector, moto, governed):
    iam = moto.iam()
    make_user(iam, "ci-deployer", keys=2)
    assert connector_sync(connector=aws_connector).ok
    return Identity.objects.get(name="ci-deployer"), iam


def test_decommission_disables_its_keys_at_the_source_after_one_worker_run(synced, admin_user):
    identity, iam = synced
    identity_decommission(actor=admin_user, identity=identity, reason="project closed")
    created, runs = worker_run()
    assert created == 2 and {j.status for j in runs} == {JobStatus.DONE}
    assert key_states(iam, "ci-deployer") == ["Inactive", "Inactive"]
    for job in RevocationJob.objects.all():
        assert job.reason == "identity_decommissioned" and job.source_state == "Inactive"
        assert job.platform_request_id and job.confirmed_at is not None
    confirmations = LifecycleEvent.objects.filter(
        identity=identity,
        kind=EventKind.CREDENTIAL_REVOKED,
        related_type="connectors.revocationjob",
    )
    assert confirmations.count() == 2
    assert "confirmed by the platform" in confirmations.first().summary
    report = ledger.verify()  # claims and answers are history rows, chained in the ledger
    assert report.ok, report


def test_running_again_changes_nothing(synced, admin_user):
    identity, iam = synced
    identity_decommission(actor=admin_user, identity=identity, reason="project closed")
    worker_run()
    history = RevocationJob.history.count()
    events = LifecycleEvent.objects.count()
    assert worker_run() == (0, [])
    later = timezone.now() + dt.timedelta(days=1)
    assert worker_run(later) == (0, [])
    assert key_states(iam, "ci-deployer") == ["Inactive", "Inactive"]
    assert (RevocationJob.history.count(), LifecycleEvent.objects.count()) == (history, events)


def test_a_key_already_disabled_at_the_source_is_confirmed_without_a_change(synced, admin_user):
    identity, iam = synced
    credential = identity.credentials.first()
    key_id = SourceCredential.objects.get(credential=credential).key_id
    iam.update_access_key(UserName="ci-deployer", AccessKeyId=key_id, Status="Inactive")
    credential_revoke(actor=admin_user, credential=credential, reason="leaked")
    _created, runs = worker_run()
    assert [(j.status, j.reason, j.source_state) for j in runs] == [
        (JobStatus.DONE, "credential_revoked", "Inactive")
    ]
    event = LifecycleEvent.objects.filter(related_type="connectors.revocationjob").get()
    assert event.summary.endswith("(it already was)")
    assert key_states(iam, "ci-deployer") == ["Active", "Inactive"]


def test_only_the_revoked_key_is_disabled(synced, admin_user):
    identity, iam = synced
    first = identity.credentials.order_by("issued_at").first()
    credential_revoke(actor=admin_user, credential=first, reason="leaked")
    worker_run()
    keys = sorted(
        iam.list_access_keys(UserName="ci-deployer")["AccessKeyMetadata"],
        key=lambda k: k["CreateDate"],
    )
    assert [k["Status"] for k in keys] == ["Inactive", "Active"]


def test_emulator_stopped_mid_revocation_retries_with_backoff_and_escalates_once(
    synced, admin_user, owner, moto, settings
):
    settings.CONNECTORS_AWS_TIMEOUT = 1
    settings.CONNECTORS_ESCALATE_AFTER = 2
    settings.CONNECTORS_RETRY_BASE_SECONDS = 60
    identity, iam = synced
    credential_revoke(actor=admin_user, credential=identity.credentials.first(), reason="leaked")
    t0 = timezone.now()
    os.kill(moto.proc.pid, signal.SIGSTOP)
    try:
        _c, [job] = worker_run(t0)
        assert (job.status, job.attempts) == (JobStatus.PENDING, 1)
        assert job.last_error and job.next_attempt_at == t0 + dt.timedelta(seconds=60)
        assert worker_run(t0 + dt.timedelta(seconds=30)) == (0, [])  # not due: backoff
        _c, [job] = worker_run(t0 + dt.timedelta(seconds=61))
        assert (job.status, job.attempts) == (JobStatus.PENDING, 2)
        assert job.next_attempt_at == t0 + dt.timedelta(seconds=61 + 120)  # doubled
        _c, [job] = worker_run(t0 + dt.timedelta(seconds=200))
        assert job.attempts == 3
    finally:
        os.kill(moto.proc.pid, signal.SIGCONT)
    escalations = Notification.objects.filter(kind=services.ESCALATION_KIND)
    assert list(escalations.values_list("recipient", flat=True)) == [owner.pk]  # once, the A
    _c, [job] = worker_run(t0 + dt.timedelta(seconds=1000))
    assert job.status == JobStatus.DONE and job.attempts == 4
    assert "Inactive" in key_states(iam, "ci-deployer")
    assert RevocationJob.objects.count() == 1 and escalations.count() == 1
    assert ledger.verify().ok


def test_gives_up_after_the_maximum_and_stays_visible_until_an_admin_retries(
    aws_connector, governed, admin_user, settings
):
    settings.CONNECTORS_MAX_ATTEMPTS = 2
    settings.CONNECTORS_ESCALATE_AFTER = 5
    aws_connector.endpoint_url = "http://127.0.0.1:9"
    aws_connector.save()
    identity = IdentityFactory(platform=aws_connector.platform, external_id="arn:aws:iam::1:user/x")
    credential = CredentialFactory(identity=identity, kind="access_key", key_id="access_key_1")
    credential_revoke(actor=admin_user, credential=credential, reason="leaked")
    now = timezone.now()
    worker_run(now)
    _c, [job] = worker_run(now + dt.timedelta(hours=2))
    assert job.status == JobStatus.FAILED
    assert worker_run(now + dt.timedelta(days=2)) == (0, [])
    services.revocation_retry(actor=admin_user, job=job)
    assert RevocationJob.objects.get().status == JobStatus.PENDING


# --- planning: every way Steward ends access ----------------------------------------------
def test_planning_covers_every_end_of_access_once(aws_connector, governed, admin_user, owner):
    platform = aws_connector.platform
    now = timezone.now()

    def cred(identity=None, **kw):
        identity = identity or IdentityFactory(platform=platform)
        return CredentialFactory(identity=identity, kind="access_key", **kw)

    revoked = cred()
    credential_revoke(actor=admin_user, credential=revoked, reason="leaked")
    expired = cred(status="expired", expires_at=now - dt.timedelta(days=1))
    suspended = IdentityFactory(platform=platform)
    held_by_suspended = cred(suspended)
    identity_set_status(actor=admin_user, identity=suspended, status="suspended", reason="review")
    granted = IdentityFactory(platform=platform)
    under_grant = cred(granted)
    grant = approved_exception(granted, now)
    grant_link_credential(actor=admin_user, grant=grant, credential=under_grant)
    grant_end(grant=grant, status=GrantStatus.REVOKED, actor=admin_user, reason="done")
    still_active = cred()
    elsewhere = CredentialFactory(status="revoked")  # a platform with no connector

    assert plan_revocations() == 4
    reasons = dict(RevocationJob.objects.values_list("credential_id", "reason"))
    assert reasons == {
        revoked.pk: "credential_revoked",
        expired.pk: "credential_expired",
        held_by_suspended.pk: "identity_suspended",
        # ending the grant revoked the credential issued under it (identities' credentials_end)
        under_grant.pk: "credential_revoked",
    }
    assert still_active.pk not in reasons and elsewhere.pk not in reasons
    assert plan_revocations() == 0
    assert RevocationJob.history.filter(history_type="+").count() == 4


def test_delete_after_grace_only_when_the_policy_says_so(synced, admin_user):
    identity, iam = synced
    credential_revoke(actor=admin_user, credential=identity.credentials.first(), reason="leaked")
    worker_run()
    later = timezone.now() + dt.timedelta(days=40)
    assert worker_run(later) == (0, [])  # no delete policy: disabled only
    connector = identity.platform.connector
    connector.delete_after_days = 30
    connector.save()
    created, [job] = worker_run(later)
    assert created == 1 and job.action == "delete" and job.source_state == "deleted"
    assert len(iam.list_access_keys(UserName="ci-deployer")["AccessKeyMetadata"]) == 1


# --- posture ------------------------------------------------------------------------------
def test_posture_check_names_credentials_ended_in_steward_but_active_at_the_source(
    synced, admin_user
):
    from evidence.checks import FAIL, PASS, run_check

    key = "credentials_ended_still_active_at_source"
    identity, _iam = synced
    assert run_check(key).status == PASS  # nothing ended yet
    credential = identity.credentials.first()
    credential_revoke(actor=admin_user, credential=credential, reason="leaked")
    result = run_check(key)
    assert (result.status, result.failing) == (FAIL, [credential.pk])
    worker_run()
    assert run_check(key).status == PASS


def test_posture_check_is_not_evaluated_without_a_connector(db):
    from evidence.checks import NOT_EVALUATED, run_check

    assert run_check("credentials_ended_still_active_at_source").status == NOT_EVALUATED


def test_ending_access_triggers_planning_right_after_the_commit(
    synced, admin_user, django_capture_on_commit_callbacks
):
    from config.celery import app
    from connectors.signals import _enqueue

    identity, iam = synced
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            identity_decommission(actor=admin_user, identity=identity, reason="project closed")
    finally:
        app.conf.task_always_eager = False
    assert callbacks.count(_enqueue) == 1  # one planning run for the whole transaction
    assert key_states(iam, "ci-deployer") == ["Inactive", "Inactive"]


def test_a_stale_claim_is_taken_over_and_the_late_worker_records_nothing(synced, admin_user):
    from core.errors import Conflict

    identity, _iam = synced
    credential_revoke(actor=admin_user, credential=identity.credentials.first(), reason="leaked")
    t0 = timezone.now()
    plan_revocations(now=t0)
    job_id = RevocationJob.objects.get().pk
    crashed = services.revocation_claim(job_id=job_id, now=t0)  # its worker dies
    assert services.revocation_run(job_id=job_id, now=t0 + dt.timedelta(seconds=60)) is None
    later = t0 + dt.timedelta(seconds=601)
    job = services.revocation_run(job_id=job_id, now=later)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    with pytest.raises(Conflict):
        services._record_failure(crashed, "late answer", now=later)
    assert RevocationJob.objects.get().status == JobStatus.DONE


def test_what_the_aws_connector_cannot_disable_is_never_confirmed(synced, admin_user):
    identity, _iam = synced
    cert = CredentialFactory(identity=identity, kind="certificate", label="signing cert")
    credential_revoke(actor=admin_user, credential=cert, reason="leaked")
    _created, [job] = worker_run()
    assert job.status == JobStatus.PENDING and "disables access keys" in job.last_error
