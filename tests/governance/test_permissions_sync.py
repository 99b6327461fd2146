"""Guardian object permissions follow the RACI after each kind of change."""

import pytest
from django.core.management import call_command

from governance.services import assignment_remove, assignment_set, permissions_sync
from identities.directory import team_add_member
from identities.models import IdentityGroupObjectPermission, IdentityUserObjectPermission
from identities.services import identity_register, identity_update
from tests.factories import IdentityFactory, PlatformFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def perms(user, identity):
    user = type(user).objects.get(pk=user.pk)  # fresh: no permission cache
    return {
        p
        for p in ("view_identity", "change_identity")
        if user.has_perm(f"identities.{p}", identity)
    }


def add(admin, domain, role, kind="global", obj=None, user=None, team=None):
    return assignment_set(
        actor=admin,
        domain=domain,
        scope_kind=kind,
        scope_obj=obj,
        role=role,
        assignee_user=user,
        assignee_team=team,
        reason="test",
    )


def test_a_and_r_may_change_c_and_i_may_view(domains, admin_user):
    identity = IdentityFactory()
    a, r, c, i = UserFactory.create_batch(4)
    add(admin_user, domains["identity"], "A", user=a)
    add(admin_user, domains["engineering"], "R", kind="team", obj=identity.team, user=r)
    add(admin_user, domains["identity"], "C", user=c)
    add(admin_user, domains["engineering"], "I", kind="identity", obj=identity, user=i)
    assert perms(a, identity) == {"view_identity", "change_identity"}
    assert perms(r, identity) == {"view_identity", "change_identity"}
    assert perms(c, identity) == {"view_identity"}
    assert perms(i, identity) == {"view_identity"}


def test_other_domains_grant_nothing(domains, admin_user):
    identity = IdentityFactory()
    finance = UserFactory()
    add(admin_user, domains["consumption"], "A", user=finance)
    assert perms(finance, identity) == set()


def test_removing_an_assignment_revokes(domains, admin_user):
    identity = IdentityFactory()
    owner = UserFactory()
    a = add(
        admin_user, domains["identity"], "A", kind="platform", obj=identity.platform, user=owner
    )
    assert "change_identity" in perms(owner, identity)
    assignment_remove(actor=admin_user, assignment=a, reason="left")
    assert perms(owner, identity) == set()


def test_replacing_an_accountable_moves_the_permissions_in_one_sync(domains, admin_user):
    """The replaced A's permissions are not synced on their own: the new A's sync, in the same
    transaction and scope, takes them from the old A and gives them to the new one."""
    identity = IdentityFactory()
    old, new = UserFactory(), UserFactory()
    add(admin_user, domains["identity"], "A", kind="team", obj=identity.team, user=old)
    assert "change_identity" in perms(old, identity)
    assignment_set(
        actor=admin_user, domain=domains["identity"], scope_kind="team", scope_obj=identity.team,
        role="A", assignee_user=new, reason="handover", replace=True,
    )  # fmt: skip
    assert (perms(old, identity), perms(new, identity)) == (
        set(),
        {"view_identity", "change_identity"},
    )


def test_override_moves_permissions(domains, admin_user):
    identity, sibling = IdentityFactory.create_batch(2)
    team_a, override = UserFactory(), UserFactory()
    add(admin_user, domains["identity"], "A", kind="global", user=team_a)
    add(admin_user, domains["identity"], "A", kind="identity", obj=identity, user=override)
    assert perms(team_a, identity) == set()
    assert "change_identity" in perms(override, identity)
    assert "change_identity" in perms(team_a, sibling)


def test_team_grants_follow_membership_without_rewrite(domains, admin_user):
    identity = IdentityFactory()
    team = TeamFactory()
    add(admin_user, domains["engineering"], "R", team=team)
    assert IdentityGroupObjectPermission.objects.filter(group=team.group).count() == 2
    newcomer = UserFactory()
    assert perms(newcomer, identity) == set()
    team_add_member(actor=admin_user, team=team, user=newcomer, reason="joined")
    assert perms(newcomer, identity) == {"view_identity", "change_identity"}


def test_identity_moving_team_resyncs(domains, admin_user):
    old_team, new_team = TeamFactory(), TeamFactory()
    identity = IdentityFactory(team=old_team)
    old_owner, new_owner = UserFactory(), UserFactory()
    add(admin_user, domains["identity"], "A", kind="team", obj=old_team, user=old_owner)
    add(admin_user, domains["identity"], "A", kind="team", obj=new_team, user=new_owner)
    assert "change_identity" in perms(old_owner, identity)
    identity_update(actor=admin_user, identity=identity, team=new_team, reason="reorg")
    assert perms(old_owner, identity) == set()
    assert "change_identity" in perms(new_owner, identity)


def test_identity_moving_platform_resyncs(domains, admin_user):
    identity = IdentityFactory()
    new_platform = PlatformFactory()
    owner = UserFactory()
    add(admin_user, domains["identity"], "A", kind="platform", obj=new_platform, user=owner)
    assert perms(owner, identity) == set()
    identity_update(actor=admin_user, identity=identity, platform=new_platform, reason="migrated")
    assert "change_identity" in perms(owner, identity)


def test_registering_an_identity_grants_its_owners(domains, admin_user):
    team, platform = TeamFactory(), PlatformFactory()
    owner = UserFactory()
    add(admin_user, domains["identity"], "A", kind="team", obj=team, user=owner)
    identity = identity_register(
        actor=admin_user,
        team=team,
        platform=platform,
        name="ci-bot",
        kind="bot",
        external_id="ci/bot",
        environment="production",
        purpose="Builds.",
        risk_tier="low",
    )
    assert "change_identity" in perms(owner, identity)


def test_rebuild_is_idempotent_and_repairs_drift(domains, admin_user):
    identities = IdentityFactory.create_batch(3)
    owner, stranger = UserFactory(), UserFactory()
    add(admin_user, domains["identity"], "A", user=owner)
    IdentityUserObjectPermission.objects.filter(user=owner).delete()
    from django.contrib.auth.models import Permission

    IdentityUserObjectPermission.objects.create(
        user=stranger,
        content_object=identities[0],
        permission=Permission.objects.get(codename="change_identity"),
    )
    call_command("rebuild_permissions", verbosity=0)
    assert all("change_identity" in perms(owner, i) for i in identities)
    assert perms(stranger, identities[0]) == set()
    stats = permissions_sync()
    assert all(s == {"added": 0, "removed": 0} for s in stats.values())


def test_bulk_sync_is_set_based(domains, admin_user, django_assert_max_num_queries):
    IdentityFactory.create_batch(20)
    add(admin_user, domains["identity"], "A", user=UserFactory())
    add(admin_user, domains["engineering"], "R", team=TeamFactory())
    IdentityUserObjectPermission.objects.all().delete()
    with django_assert_max_num_queries(12):
        permissions_sync()
    # the identity A: view + change + own on each of the 20 identities
    assert IdentityUserObjectPermission.objects.count() == 60
