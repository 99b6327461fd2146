"""Property-based conformance of the whole API (beyond the registry, which
`test_schemathesis.py` covers) against its own OpenAPI schema: ownership, approvals,
reviews, usage and evidence. Generated requests as an admin with a bearer token; no 5xx,
every status documented, every body and content type as documented. Every violation is
collected and listed, not only the first.
"""

import datetime as dt
import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.services import api_token_create
from tests.factories import CredentialFactory, IdentityFactory, TeamFactory, UserFactory

PATHS = r"^/api/v1/(ownership|requests|grants|reviews|usage|evidence|me|users|runtime|revocations)"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_API_EXAMPLES", "30"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@pytest.fixture
def world(transactional_db, governed, owner):
    from approvals.services import request_decide
    from governance.services import permissions_sync
    from lifecycle.reviews.services import campaign_create
    from tests.approvals.factories import submit_exception
    from usage.models import Signal

    admin = UserFactory(username="st-admin", groups=["admins"])
    engineer = UserFactory(username="st-engineer", groups=["engineers"])
    team = TeamFactory(slug="st-team", members=[engineer])
    identities = [IdentityFactory(team=team, status="active") for _ in range(3)]
    for identity in identities:
        CredentialFactory(identity=identity)
    permissions_sync()
    pending = submit_exception(actor=engineer, identity=identities[0])
    approved = submit_exception(actor=engineer, identity=identities[1])
    request_decide(request_id=approved.pk, actor=owner, outcome="approve")
    today = dt.date.today()
    campaign = campaign_create(
        actor=admin, name="ST review", starts_on=today, due_on=today + dt.timedelta(days=14)
    )
    signals = [
        Signal.objects.create(
            identity=identities[2], kind="spike", subject=f"st-{i}", day=today,
            summary="spend spike", severity="high",
        )
        for i in range(2)
    ]
    _, raw = api_token_create(user=admin, name="schemathesis", days=1)
    assignment = governed["identity"].assignments.first()
    return {
        "headers": {"Authorization": f"Bearer {raw}"},
        "ids": {
            "requests": [pending.pk, approved.pk],
            "grants": [approved.grant.pk],
            "campaigns": [campaign.pk],
            "items": list(campaign.items.values_list("pk", flat=True)[:3]),
            "signals": [s.pk for s in signals],
            "assignments": [assignment.pk],
            "identities": [i.pk for i in identities],
            "domains": ["identity", "exceptions"],
        },
    }


def known_values(operation, world) -> list:
    """Path parameter values that exist, by the collection the path names."""
    for name, values in world["ids"].items():
        if f"/{name}/{{" in operation.path:
            return values
    return []


def strategy_for(operation, mode, world):
    base = operation.as_strategy(generation_mode=mode)
    if mode is not schemathesis.GenerationMode.POSITIVE or "{" not in operation.path:
        return base
    name = operation.path.rsplit("{", 1)[1].split("}")[0]
    known = [
        operation.as_strategy(generation_mode=mode, path_parameters={name: value})
        for value in known_values(operation, world)
    ]
    return st.one_of(base, *known) if known else base


@pytest.mark.postgres
def test_the_whole_api_conforms_to_its_schema(world):
    from config.wsgi import application

    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", application, headers=world["headers"]
    ).include(path_regex=PATHS)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    calls = 0
    outcomes: Counter = Counter()
    failures: dict[str, str] = {}
    for operation in operations:
        for mode in MODES:
            examples = EXAMPLES if mode is schemathesis.GenerationMode.POSITIVE else EXAMPLES // 2

            @given(case=strategy_for(operation, mode, world))
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                nonlocal calls
                calls += 1
                response = case.call(headers=world["headers"])
                outcomes[(case.operation.label, response.status_code)] += 1
                case.validate_response(response, checks=CHECKS, headers=world["headers"])

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # collected, reported below
                failures[f"{operation.label} [{mode.value}]"] = str(exc)[:1500]
    print(sorted(outcomes.items()))
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    assert calls >= 20 * EXAMPLES
    assert {code for (_, code) in outcomes} >= {200, 201, 400, 404}
