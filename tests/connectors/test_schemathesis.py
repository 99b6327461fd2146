"""The revocations API against its own OpenAPI schema (as tests/test_schemathesis.py does
for the registry): generated requests as an admin, no 5xx, documented statuses and bodies."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.choices import JobStatus
from connectors.models import PlatformConnector, RevocationJob
from core.services import api_token_create
from identities.services import credential_revoke
from tests.factories import CredentialFactory, IdentityFactory, PlatformFactory, UserFactory
from tests.test_schemathesis import CHECKS, MODES

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
    from config.wsgi import application

    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", application, headers=seeded["headers"]
    ).include(path_regex=REVOCATIONS)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 3
    codes = set()
    for operation in operations:
        for mode in MODES:
            base = operation.as_strategy(generation_mode=mode)
            if "{id}" in operation.path:
                base = st.one_of(
                    base,
                    *[
                        operation.as_strategy(generation_mode=mode, path_parameters={"id": pk})
                        for pk in seeded["ids"]
                    ],
                )

            @given(case=base)
            @settings(
                max_examples=25,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                response = case.call(headers=seeded["headers"])
                codes.add(response.status_code)
                case.validate_response(response, checks=CHECKS, headers=seeded["headers"])

            run()
    assert codes >= {200, 400, 404}
