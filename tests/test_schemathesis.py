"""Property-based conformance of the registry API against its own OpenAPI schema.

The schema is loaded from the running app in-process (`/api/schema/`, WSGI, same thread and
database as the test), then every registry operation gets generated requests as an admin
with a personal bearer token: no response may be a 5xx, every status must be documented and
every body must match its documented schema. A few hundred cases in total.
"""

import os

import pytest
import schemathesis
from hypothesis import strategies as st

from core.services import api_token_create
from tests.conformance import conform
from tests.factories import (
    CredentialFactory,
    IdentityFactory,
    PlatformFactory,
    TeamFactory,
    UserFactory,
)

REGISTRY = r"^/api/v1/(identities|credentials|teams|platforms)/"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "30"))


@pytest.fixture
def seeded(transactional_db):
    admin = UserFactory(username="st-admin", groups=["admins"])
    teams = [TeamFactory(slug=f"st-team-{i}", name=f"ST team {i}") for i in range(2)]
    platforms = [PlatformFactory(slug=f"st-platform-{i}", owning_team=teams[i]) for i in range(2)]
    identities = [
        IdentityFactory(team=teams[i % 2], platform=platforms[i % 2], status="active")
        for i in range(4)
    ]
    credentials = [CredentialFactory(identity=identity) for identity in identities * 3]
    _, raw = api_token_create(user=admin, name="schemathesis", days=1)
    return {
        "headers": {"Authorization": f"Bearer {raw}"},
        "id": {
            "identities": [identity.pk for identity in identities],
            "credentials": [credential.pk for credential in credentials],
        },
        "slug": {
            "teams": [team.slug for team in teams],
            "platforms": [platform.slug for platform in platforms],
        },
    }


def aimed(seeded):
    """Point a generated body at teams and platforms that exist, with no dates to clash."""

    def aim(case):
        if isinstance(case.body, dict):
            body = dict(case.body)
            for field in ("team", "owning_team"):
                if field in body:
                    body[field] = seeded["slug"]["teams"][0]
            if "platform" in body:
                body["platform"] = seeded["slug"]["platforms"][0]
            for field in ("issued_at", "expires_at", "ends_on"):
                body.pop(field, None)
            case.body = body
        return case

    return aim


def strategy_for(operation, mode, seeded):
    """Generated cases; in positive mode, half of them aimed at objects that exist."""
    base = operation.as_strategy(generation_mode=mode)
    if mode is not schemathesis.GenerationMode.POSITIVE:
        return base
    base = st.one_of(base, base.map(aimed(seeded)))
    if "{" not in operation.path:
        return base
    collection = operation.path.split("/")[3]
    name = "id" if "{id}" in operation.path else "slug"
    known = [
        operation.as_strategy(generation_mode=mode, path_parameters={name: value}).map(
            aimed(seeded)
        )
        for value in seeded[name][collection]
    ]
    return st.one_of(base, *known)


@pytest.mark.postgres
def test_registry_api_conforms_to_its_schema(seeded):
    run = conform(
        path_regex=REGISTRY,
        headers=seeded["headers"],
        examples=EXAMPLES,
        strategy_for=lambda operation, mode: strategy_for(operation, mode, seeded),
    )
    assert len(run.operations) >= 14
    assert not run.failures, run.report()
    print(sorted(run.outcomes.items()))  # visible with -s: what the generated cases reached
    assert run.calls >= 200
    # The cases reached the happy paths, not only validation errors.
    assert run.codes >= {200, 201, 400, 404}
