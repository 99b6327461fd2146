import pytest

from governance.choices import GapReason, Scope
from governance.selectors import (
    accountable_for,
    deciders_for,
    effective_raci,
    gap_count,
    identity_owners,
    ownership_gaps,
)
from governance.services import assignment_set
from tests.factories import IdentityFactory, PlatformFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def set_a(admin, domain, kind, obj, user, reason="test"):
    return assignment_set(
        actor=admin,
        domain=domain,
        scope_kind=kind,
        scope_obj=obj,
        role="A",
        assignee_user=user,
        reason=reason,
    )


def test_precedence_identity_over_team_over_platform_over_global(domains, admin_user):
    identity = IdentityFactory()
    d = domains["identity"]
    g, p, t, i = (UserFactory() for _ in range(4))
    set_a(admin_user, d, Scope.GLOBAL, None, g)
    assert accountable_for(identity=identity, domain_key="identity") == g
    set_a(admin_user, d, Scope.PLATFORM, identity.platform, p)
    assert accountable_for(identity=identity, domain_key="identity") == p
    set_a(admin_user, d, Scope.TEAM, identity.team, t)
    assert accountable_for(identity=identity, domain_key="identity") == t
    set_a(admin_user, d, Scope.IDENTITY, identity, i)
    assert accountable_for(identity=identity, domain_key="identity") == i


def test_explain_names_the_assignment_and_scope(domains, admin_user):
    identity = IdentityFactory()
    owner = UserFactory()
    a = set_a(admin_user, domains["engineering"], Scope.TEAM, identity.team, owner)
    raci = identity_owners(identity=identity)["engineering"]
    assert raci.accountable == owner
    assert raci.accountable_source.scope_kind == "team"
    assert raci.accountable_source.scope_label == identity.team.name
    assert raci.accountable_source.assignment_id == a.pk
    assert not raci.is_gap


def test_responsible_from_more_specific_scope_replaces_global(domains, admin_user):
    identity = IdentityFactory()
    d = domains["identity"]
    global_r, team = UserFactory(), TeamFactory()
    assignment_set(
        actor=admin_user,
        domain=d,
        scope_kind="global",
        role="R",
        assignee_user=global_r,
        reason="x",
    )
    raci = identity_owners(identity=identity)["identity"]
    assert [who for _, who, _ in raci.responsible] == [global_r]
    assignment_set(
        actor=admin_user,
        domain=d,
        scope_kind="platform",
        scope_obj=identity.platform,
        role="R",
        assignee_team=team,
        reason="x",
    )
    raci = identity_owners(identity=identity)["identity"]
    ((label, who, explain),) = raci.responsible
    assert who == team and explain.scope_kind == "platform" and "team" in label


def test_no_accountable_is_a_gap(domains):
    identity = IdentityFactory()
    raci = identity_owners(identity=identity)["consumption"]
    assert raci.is_gap and raci.gap_reason == GapReason.NO_ACCOUNTABLE
    assert accountable_for(identity=identity, domain_key="consumption") is None


def test_inactive_accountable_is_a_gap_and_not_a_decider(domains, admin_user):
    identity = IdentityFactory()
    leaver = UserFactory()
    set_a(admin_user, domains["exceptions"], Scope.TEAM, identity.team, leaver)
    leaver.is_active = False
    leaver.save()
    raci = identity_owners(identity=identity)["exceptions"]
    assert raci.accountable == leaver
    assert raci.is_gap and raci.gap_reason == GapReason.INACTIVE_ACCOUNTABLE
    assert accountable_for(identity=identity, domain_key="exceptions") is None
    assert deciders_for(identity=identity, domain_key="exceptions") == set()


def test_deciders_expand_team_responsible_to_members(domains, admin_user):
    member, other = UserFactory(), UserFactory()
    team = TeamFactory(members=[member])
    identity = IdentityFactory()
    a_user = UserFactory()
    set_a(admin_user, domains["identity"], Scope.GLOBAL, None, a_user)
    assignment_set(
        actor=admin_user,
        domain=domains["identity"],
        scope_kind="global",
        role="R",
        assignee_team=team,
        reason="x",
    )
    assignment_set(
        actor=admin_user,
        domain=domains["identity"],
        scope_kind="global",
        role="C",
        assignee_user=other,
        reason="x",
    )
    assert deciders_for(identity=identity, domain_key="identity") == {a_user.pk}
    assert deciders_for(identity=identity, domain_key="identity", roles=("A", "R")) == {
        a_user.pk,
        member.pk,
    }


def test_effective_raci_is_set_based(domains, django_assert_max_num_queries):
    identities = IdentityFactory.create_batch(5)
    for identity in identities:
        AssignmentFactory(domain=domains["identity"], scope_kind="identity", identity=identity)
    with django_assert_max_num_queries(3):
        result = effective_raci(identity_ids=[i.pk for i in identities], domain_keys=["identity"])
    assert set(result) == {i.pk for i in identities}
    assert all(not r["identity"].is_gap for r in result.values())


def _gap_fixture(domains, n):
    platform, team = PlatformFactory(), TeamFactory()
    users = UserFactory.create_batch(3)
    for key in ("identity", "engineering", "runtime_policy"):
        AssignmentFactory(domain=domains[key], scope_kind="global", assignee_user=users[0])
    AssignmentFactory(
        domain=domains["consumption"], scope_kind="team", team=team, assignee_user=users[1]
    )
    AssignmentFactory(
        domain=domains["exceptions"], scope_kind="global", assignee_user=users[2], role="R"
    )
    IdentityFactory.create_batch(n, team=team, platform=platform)
    for _ in range(n):
        identity = IdentityFactory(platform=platform)
        AssignmentFactory(
            domain=domains["consumption"],
            scope_kind="identity",
            identity=identity,
            assignee_user=users[1],
        )


@pytest.mark.parametrize("n", [3, 30])
def test_gap_report_runs_in_bounded_queries(domains, auditor, n, django_assert_max_num_queries):
    _gap_fixture(domains, n)
    with django_assert_max_num_queries(6):
        gaps = ownership_gaps(user=auditor)
    # every identity lacks an exceptions A; nobody else has a gap
    assert len(gaps) == 2 * n
    assert {g.domain.key for g in gaps} == {"exceptions"}
    with django_assert_max_num_queries(6):
        assert gap_count(user=auditor) == 2 * n


def test_gaps_filter_by_domain_team_platform(domains, auditor):
    _gap_fixture(domains, 2)
    identity = IdentityFactory()  # own team: consumption gap as well
    gaps = ownership_gaps(user=auditor, filters={"domain": "consumption"})
    assert [(g.identity, g.domain.key) for g in gaps] == [(identity, "consumption")]
    gaps = ownership_gaps(user=auditor, filters={"team": identity.team.slug})
    assert {g.domain.key for g in gaps} == {"consumption", "exceptions"}
    assert all(g.identity == identity for g in gaps)
    gaps = ownership_gaps(user=auditor, filters={"platform": identity.platform.slug})
    assert {g.identity for g in gaps} == {identity}
    _identity, _domain, reason = gaps[0]
    assert reason == GapReason.NO_ACCOUNTABLE


def test_gaps_are_scoped_to_the_user(domains, engineer):
    mine = IdentityFactory(team=TeamFactory(members=[engineer]))
    IdentityFactory()
    assert {g.identity for g in ownership_gaps(user=engineer)} == {mine}
    assert gap_count(user=engineer) == 1


def test_decommissioned_identities_are_not_gaps(domains, auditor):
    IdentityFactory(status="decommissioned")
    assert gap_count(user=auditor) == 0


def test_gaps_equal_the_resolver_whatever_heads_the_chains(domains, admin_user, engineer):
    """The gap SQL reads only deactivated A's rows and the domains with no global A
    (governance.owner_queries): every kind of chain, compared with the resolver."""
    from governance.resolution import identity_rows, resolve
    from governance.selectors import gap_identity_ids, identities_with_gaps
    from identities.models import Identity

    team, platform = TeamFactory(members=[engineer]), PlatformFactory()
    on_platform = IdentityFactory.create_batch(2, platform=platform)
    in_team = IdentityFactory.create_batch(2, team=team)
    IdentityFactory(status="decommissioned")
    IdentityFactory(status="pending")
    leaver, gone_global, alive = UserFactory(), UserFactory(), UserFactory()
    set_a(admin_user, domains["identity"], Scope.GLOBAL, None, alive)
    set_a(admin_user, domains["identity"], Scope.TEAM, team, leaver)  # a leaver heads it
    set_a(admin_user, domains["runtime_policy"], Scope.GLOBAL, None, gone_global)
    set_a(admin_user, domains["consumption"], Scope.PLATFORM, platform, alive)  # no global A
    set_a(admin_user, domains["engineering"], Scope.GLOBAL, None, alive)
    for user in (leaver, gone_global):
        user.is_active = False
        user.save()

    governed = Identity.objects.exclude(status="decommissioned").values("pk")
    expected = {}
    for identity_id, per_domain in resolve(identity_rows(governed), list(domains.values())).items():
        keys = sorted(key for key, raci in per_domain.items() if raci.is_gap)
        if keys:
            expected[identity_id] = keys
    found = {i: sorted(keys) for i, keys in gap_identity_ids().items()}
    assert found == expected
    assert identities_with_gaps() == sorted(expected)
    assert {"runtime_policy", "exceptions"} <= set(found[on_platform[0].pk])
    assert "consumption" not in found[on_platform[0].pk] and "identity" in found[in_team[0].pk]
    assert gap_count(user=admin_user) == len(expected)
    mine = {g.identity.pk for g in ownership_gaps(user=engineer)}
    assert mine == {i.pk for i in in_team} and gap_count(user=engineer) == 2
