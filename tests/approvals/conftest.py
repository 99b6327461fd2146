import pytest

from governance.models import Assignment
from tests.factories import IdentityFactory, UserFactory
from tests.governance.factories import AssignmentFactory


@pytest.fixture
def identity(governed, team):
    """An active identity of the engineer's team; `owner` is the global A of every domain."""
    return IdentityFactory(name="ledger-sync", team=team, status="active")


@pytest.fixture
def responsible(governed):
    """A second person, R of every domain (an eligible decider once a policy takes A or R)."""
    user = UserFactory(username="rae-responsible")
    for domain in governed.values():
        AssignmentFactory(domain=domain, scope_kind="global", role="R", assignee_user=user)
    return user


def set_accountable(domain, user) -> None:
    """Replace the global A of `domain` (fixtures bypass the matrix service)."""
    Assignment.objects.filter(domain=domain, scope_kind="global", role="A").delete()
    if user is not None:
        AssignmentFactory(domain=domain, scope_kind="global", role="A", assignee_user=user)
