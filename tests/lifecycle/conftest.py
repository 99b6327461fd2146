import datetime as dt

import pytest

from governance.services import permissions_sync
from lifecycle.defaults import seed_rotation_policies
from lifecycle.models import RotationPolicy
from tests.factories import IdentityFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory

NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def lifecycle_world(governed, owner, engineer):
    """Rotation policies, a team whose R in the identity domain is `engineer` (the global A
    of every domain is `owner`), and one active medium-risk identity in it."""
    seed_rotation_policies(RotationPolicy, RotationPolicy.history.model)
    team = TeamFactory(slug="payments", members=[engineer])
    AssignmentFactory(domain=governed["identity"], scope_kind="team", team=team, role="R",
                      assignee_user=engineer)  # fmt: skip
    identity = IdentityFactory(team=team, risk_tier="medium", name="ledger-writer")
    permissions_sync()  # factories bypass the services: materialise the RACI as they would
    return {"team": team, "identity": identity, "domains": governed}


@pytest.fixture
def stranger(db):
    return UserFactory(username="sam-stranger")
