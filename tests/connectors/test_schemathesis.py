"""The revocations API against its own OpenAPI schema (as tests/test_schemathesis.py does
for the registry): generated requests as an admin, no 5xx, documented statuses and bodies."""

import pytest
from hypothesis import strategies as st

from connectors.choices import JobStatus
from connectors.models import PlatformConnector, RevocationJob
from core.services import api_token_create
from identities.credentials import credential_revoke
from tests.conformance import conform
from tests.factories import CredentialFactory, IdentityFactory, PlatformFactory, UserFactory

REVOCATIONS = r"^/api/v1/revocations/"


@pytest.fixture
def seeded(transactional_db):
    admin = UserFactory(username="st-admin", groups=["admins"])
    connector = PlatformConnector.objects.create(
        platform=PlatformFactory(slug="st-vault"), kind="webhook", configured_by=admin
    )
    jobs = []
    for status in (JobStatus.AWAITING_ACK, JobStatus.PENDING, JobStatus.FAILED):
        identity = IdentityFactory(platform=connector.platform)
        credential = CredentialFactory(identity=identity)
        credential_revoke(actor=admin, credential=credential, reason="schemathesis")
        jobs.append(
            RevocationJob.objects.create(
                connector=connector,
                credential=credential,
                identity=identity,
                reason="credential_revoked",
                status=status,
                platform_request_id="1",
            )
        )
    _, raw = api_token_create(user=admin, name="schemathesis", days=1)
    return {"headers": {"Authorization": f"Bearer {raw}"}, "ids": [j.pk for j in jobs]}


@pytest.mark.postgres
def test_revocations_api_conforms_to_its_schema(seeded):
    def towards_jobs(operation, mode):
        base = operation.as_strategy(generation_mode=mode)
        if "{id}" not in operation.path:
            return base
        known = [
            operation.as_strategy(generation_mode=mode, path_parameters={"id": pk})
            for pk in seeded["ids"]
        ]
        return st.one_of(base, *known)

    run = conform(
        path_regex=REVOCATIONS, headers=seeded["headers"], examples=25, strategy_for=towards_jobs
    )
    assert len(run.operations) == 3
    assert not run.failures, run.report()
    assert run.codes >= {200, 400, 404}
