"""The evidence scenario: onboard → exception approved → credential issued under it →
expired; emergency (break-glass) → revoked. Everything through the services."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from evidence import ledger
from tests.factories import LEDGER_WRITER, PlatformFactory, TeamFactory


@dataclass
class Scenario:
    identity: object
    onboarding: object
    exception: object
    exception_grant: object
    credential: object
    emergency: object
    emergency_grant: object
    team: object
    platform: object


def _onboarded(engineer, owner, team, platform):
    from approvals import services as approvals

    onboarding = approvals.onboarding_submit(
        actor=engineer,
        data={
            "team": team,
            "platform": platform,
            **LEDGER_WRITER,
            "risk_tier": "medium",
            "justification": "New ledger service",
        },
    )
    approvals.request_decide(request_id=onboarding.pk, actor=owner, outcome="approve", comment="ok")
    onboarding.identity.refresh_from_db()
    return onboarding


def _expired_exception(engineer, owner, identity, now):
    """An exception approved, a credential issued under it, then the grant expired."""
    from approvals import grants as approval_grants
    from approvals import services as approvals
    from approvals.models import Grant
    from identities.credentials import credential_record

    exception = approvals.request_submit(
        actor=engineer,
        kind="exception",
        identity=identity,
        justification="Legacy client needs a static key",
        excepted_policy="no static keys",
        scope="ledger:write",
        compensating_controls="IP allow-list",
        duration_hours=48,
    )
    approvals.request_decide(
        request_id=exception.pk, actor=owner, outcome="approve", comment="until migration"
    )
    grant = Grant.objects.get(request=exception)
    credential = credential_record(
        actor=engineer,
        identity=identity,
        kind="api_key",
        label="static key",
        fingerprint="SHA256:abc123",
        last_chars="x9",
        expires_at=now + timedelta(days=2),
    )
    approval_grants.grant_link_credential(actor=engineer, grant=grant, credential=credential)
    approval_grants.grants_end(
        grant_ids=[grant.pk], status="expired", now=now + timedelta(hours=49)
    )
    return exception, grant, credential


def _revoked_emergency(engineer, owner, identity):
    from approvals import grants as approval_grants
    from approvals import services as approvals
    from approvals.models import Grant

    emergency = approvals.request_submit(
        actor=engineer,
        kind="emergency",
        identity=identity,
        justification="Incident: ledger stuck",
        access_requested="ledger:admin",
        incident_reference="INC-42",
        duration_hours=2,
    )
    grant = Grant.objects.get(request=emergency)
    approval_grants.grant_revoke(actor=owner, grant=grant, reason="incident closed")
    return emergency, grant


@pytest.fixture
def scenario(governed, engineer, owner, admin_user) -> Scenario:
    team = TeamFactory(name="Payments", slug="payments", members=[engineer])
    platform = PlatformFactory(name="prod-k8s", slug="prod-k8s", owning_team=team)
    now = timezone.now()
    onboarding = _onboarded(engineer, owner, team, platform)
    identity = onboarding.identity
    exception, exception_grant, credential = _expired_exception(engineer, owner, identity, now)
    emergency, emergency_grant = _revoked_emergency(engineer, owner, identity)
    for obj in (exception_grant, emergency_grant, credential):
        obj.refresh_from_db()
    ledger.chain()  # as the beat task would: the scenario's rows are in the ledger
    return Scenario(
        identity,
        onboarding,
        exception,
        exception_grant,
        credential,
        emergency,
        emergency_grant,
        team,
        platform,
    )
