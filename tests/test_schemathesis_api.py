"""Property-based conformance of the whole API (beyond the registry, which
`test_schemathesis.py` covers) against its own OpenAPI schema: ownership, approvals,
reviews, usage and evidence. Generated requests as an admin with a bearer token; no 5xx,
every status documented, every body and content type as documented. Every violation is
collected and listed, not only the first.
"""

import base64
import datetime as dt
import os

import pytest
import schemathesis
from hypothesis import strategies as st

from core.services import api_token_create
from tests.conformance import conform
from tests.factories import CredentialFactory, IdentityFactory, TeamFactory, UserFactory

PATHS = (
    r"^/(api/v1/(ownership|requests|grants|reviews|usage|evidence|me|users|runtime|revocations)"
    r"|oauth/)"
)
EXAMPLES = int(os.environ.get("SCHEMATHESIS_API_EXAMPLES", "30"))


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
            identity=identities[2],
            kind="spike",
            subject=f"st-{i}",
            day=today,
            summary="spend spike",
            severity="high",
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
    run = conform(
        path_regex=PATHS,
        headers=world["headers"],
        examples=EXAMPLES,
        strategy_for=lambda operation, mode: strategy_for(operation, mode, world),
    )
    assert len(run.operations) >= 20
    assert not run.failures, run.report()
    print(sorted(run.outcomes.items()))
    assert run.calls >= 20 * EXAMPLES
    assert run.codes >= {200, 201, 400, 404}


@pytest.mark.postgres
def test_the_oauth_endpoints_conform_to_their_schema(
    transactional_db, admin_user, settings, tmp_path
):
    """The token service as a resource server calls it (HTTP Basic): form-encoded bodies in,
    RFC 6749 §5.2 errors or documented answers out, never a 5xx, whatever the input."""
    from runtime.services import resource_server_create

    settings.RUNTIME_SIGNING_KEYS_FILE = str(tmp_path / "signing-keys.json")
    server, secret = resource_server_create(actor=admin_user, name="gateway", client_id="gw")
    basic = base64.b64encode(f"{server.client_id}:{secret}".encode()).decode()
    _, raw = api_token_create(user=admin_user, name="schema reader", days=1)
    run = conform(
        path_regex=r"^/oauth/",
        headers={"Authorization": f"Basic {basic}"},
        schema_headers={"Authorization": f"Bearer {raw}"},
        examples=EXAMPLES,
    )
    assert {op.path for op in run.operations} == {
        "/oauth/token",
        "/oauth/introspect",
        "/oauth/revoke",
    }
    assert not run.failures, run.report()
    print(sorted(run.outcomes.items()))
    assert run.calls >= 3 * EXAMPLES
    assert ("POST /oauth/introspect", 200) in run.outcomes  # authenticated: {"active": false}
    assert ("POST /oauth/token", 400) in run.outcomes
