"""Moving an identity changes who owns it: team, platform and environment change only by its
accountable owner (who must also be the A after the move) or an admin; auditors never write,
even when an admin names them in the matrix (security review items 7-8)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance.services import assignment_set, permissions_sync
from identities.credentials import credential_record
from identities.models import Identity
from identities.services import identity_update
from tests.factories import IdentityFactory, PlatformFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_teams(engineer):
    return TeamFactory(members=[engineer]), TeamFactory(members=[engineer])


@pytest.fixture
def moved(governed, two_teams):
    identity = IdentityFactory(team=two_teams[0], risk_tier="high", entitlements=["ledger:read"])
    permissions_sync(identity_ids=[identity.pk])
    return identity


def test_an_engineer_of_both_teams_cannot_walk_an_identity_around_its_owner(
    engineer, moved, two_teams
):
    with pytest.raises(PermissionDenied, match="changes who owns this identity"):
        identity_update(actor=engineer, identity=moved, team=two_teams[1], reason="reorg")
    moved.refresh_from_db()
    assert moved.team == two_teams[0]


@pytest.mark.parametrize("field", ["platform", "environment"])
def test_platform_and_environment_are_the_owners_to_change(engineer, moved, field):
    value = PlatformFactory() if field == "platform" else "staging"
    with pytest.raises(PermissionDenied, match=field):
        identity_update(actor=engineer, identity=moved, reason="tidy", **{field: value})
    assert getattr(Identity.objects.get(pk=moved.pk), field) == getattr(moved, field)


def test_the_accountable_owner_moves_it_within_their_ownership(owner, moved, two_teams):
    two_teams[1].group.user_set.add(owner)
    two_teams[0].group.user_set.add(owner)
    updated = identity_update(actor=owner, identity=moved, team=two_teams[1], reason="reorg")
    assert updated.team == two_teams[1]


def test_a_move_out_of_the_movers_ownership_needs_the_new_scopes_a(
    owner, admin_user, governed, moved, two_teams
):
    new_a = UserFactory(username="nia-new-a", groups=["engineers"])
    assignment_set(
        actor=admin_user, domain=governed["identity"], scope_kind="team",
        scope_obj=two_teams[1], role="A", assignee_user=new_a, reason="team owner",
    )  # fmt: skip
    for team in two_teams:
        team.group.user_set.add(owner)
    with pytest.raises(PermissionDenied, match="new scope's A"):
        identity_update(actor=owner, identity=moved, team=two_teams[1], reason="hand over")
    assert Identity.objects.get(pk=moved.pk).team == two_teams[0]
    # and nothing of the attempted move stayed in the matrix's materialisation
    from identities.selectors import is_accountable_for

    assert is_accountable_for(owner, moved) and not is_accountable_for(new_a, moved)


def test_an_admin_moves_it(admin_user, moved, two_teams):
    assert identity_update(
        actor=admin_user, identity=moved, team=two_teams[1], platform=PlatformFactory(),
        environment="staging", reason="reorg",
    ).environment == "staging"  # fmt: skip


@pytest.mark.parametrize("role", ["A", "R"])
def test_an_auditor_cannot_be_made_accountable_or_responsible(
    admin_user, auditor, governed, moved, role
):
    with pytest.raises(ValidationError, match="auditor"):
        assignment_set(
            actor=admin_user, domain=governed["identity"], scope_kind="identity",
            scope_obj=moved, role=role, assignee_user=auditor, reason="try", replace=True,
        )  # fmt: skip


def test_an_auditor_named_r_before_the_rule_still_cannot_write(auditor, governed, moved):
    from tests.governance.factories import AssignmentFactory

    AssignmentFactory(
        domain=governed["identity"], scope_kind="identity", identity=moved, role="R",
        assignee_user=auditor,
    )  # fmt: skip
    permissions_sync(identity_ids=[moved.pk])
    with pytest.raises(PermissionDenied):
        identity_update(actor=auditor, identity=moved, purpose="changed", reason="x")
    with pytest.raises(PermissionDenied):
        credential_record(actor=auditor, identity=moved, kind="api_key", label="planted")
    assert not moved.credentials.exists()
