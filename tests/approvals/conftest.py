import pytest

from approvals import services
from approvals.models import Grant
from governance.models import Assignment
from tests.approvals.factories import submit_emergency, submit_exception
from tests.factories import CredentialFactory, IdentityFactory, TeamFactory, UserFactory
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


@pytest.fixture
def world(governed, engineer, owner, team, identity):
    """`mine`: the engineer's team's identity (owner: the global A of every domain).
    `other`: another team's identity, whose runtime-policy A is someone else, requested by a
    colleague of that team: out of scope for engineer, owner and outsider."""
    other_team = TeamFactory(name="Search", slug="search")
    colleague = UserFactory(username="sol-search", groups=["engineers"])
    other_team.group.user_set.add(colleague)
    other = IdentityFactory(name="indexer", team=other_team)
    AssignmentFactory(
        domain=governed["runtime_policy"], scope_kind="team", team=other_team, role="A"
    )
    pending = submit_exception(actor=engineer, identity=identity)
    approved = submit_exception(actor=engineer, identity=identity)
    services.request_decide(request_id=approved.pk, actor=owner, outcome="approve")
    emergency = submit_emergency(actor=engineer, identity=identity)
    other_req = submit_exception(actor=colleague, identity=other)
    return {
        "mine": identity,
        "calm": IdentityFactory(name="quiet-sync", team=team),  # no break-glass under way
        "other": other,
        "pending": pending,
        "grant": Grant.objects.get(request=approved),
        "emergency": emergency.grant,
        "other_req": other_req,
        "credential": CredentialFactory(identity=identity),
    }


def set_accountable(domain, user) -> None:
    """Replace the global A of `domain` (fixtures bypass the matrix service)."""
    Assignment.objects.filter(domain=domain, scope_kind="global", role="A").delete()
    if user is not None:
        AssignmentFactory(domain=domain, scope_kind="global", role="A", assignee_user=user)
