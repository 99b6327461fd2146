"""The effective owners table equals the Python resolver after every kind of change that can
move it, and the check names a difference when it does not."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from governance.materialise import differences, refresh
from governance.models import EffectiveOwner
from governance.owner_queries import acting_accountable
from governance.selectors import accountable_owners, effective_raci, gap_escalations
from governance.services import assignment_remove, assignment_set
from identities.models import Identity
from identities.services import identities_register_many, identity_build, identity_update
from lifecycle.owners import Owners, owners_for
from tests.factories import IdentityFactory, PlatformFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(domains, admin_user):
    """Cells at every scope, a team R, a leaver at team scope, and gaps (no consumption A
    outside one platform; no exceptions A at all)."""
    p1, p2 = PlatformFactory(), PlatformFactory()
    t1, t2 = TeamFactory(), TeamFactory()
    people = UserFactory.create_batch(6)
    leaver = UserFactory()
    ids = [IdentityFactory(team=t, platform=p) for t in (t1, t2) for p in (p1, p2)]
    d = domains
    AssignmentFactory(domain=d["identity"], scope_kind="global", assignee_user=people[0])
    AssignmentFactory(domain=d["identity"], scope_kind="team", team=t1, assignee_user=leaver)
    AssignmentFactory(
        domain=d["identity"],
        scope_kind="team",
        team=t2,
        role="R",
        assignee_user=None,
        assignee_team=t2,
    )
    AssignmentFactory(domain=d["identity"], scope_kind="global", role="R", assignee_user=people[1])
    AssignmentFactory(
        domain=d["runtime_policy"], scope_kind="platform", platform=p1, assignee_user=people[2]
    )
    AssignmentFactory(
        domain=d["consumption"], scope_kind="platform", platform=p2, assignee_user=people[3]
    )
    AssignmentFactory(
        domain=d["engineering"], scope_kind="identity", identity=ids[0], assignee_user=people[4]
    )
    AssignmentFactory(
        domain=d["engineering"],
        scope_kind="identity",
        identity=ids[0],
        role="C",
        assignee_user=people[5],
    )
    leaver.is_active = False
    leaver.save()
    return {"p": (p1, p2), "t": (t1, t2), "people": people, "leaver": leaver, "ids": ids}


def _assignments_set_and_removed(org, domains, admin_user):
    """Through the service: A at platform (replacing none), at identity, removed."""
    p2, t1, people = org["p"][1], org["t"][0], org["people"]
    a = assignment_set(
        actor=admin_user,
        domain=domains["identity"],
        scope_kind="platform",
        scope_obj=p2,
        role="A",
        assignee_user=people[5],
        reason="t",
    )
    assert differences() == []
    b = assignment_set(
        actor=admin_user,
        domain=domains["exceptions"],
        scope_kind="identity",
        scope_obj=org["ids"][3],
        role="A",
        assignee_user=people[1],
        reason="t",
    )
    assert differences() == []
    assignment_set(
        actor=admin_user,
        domain=domains["identity"],
        scope_kind="team",
        scope_obj=t1,
        role="A",
        assignee_user=people[2],
        reason="t",
        replace=True,
    )
    assert differences() == []
    # the global A: effective where nothing narrower sets one, next up under t1's
    assignment_set(
        actor=admin_user,
        domain=domains["identity"],
        scope_kind="global",
        role="A",
        assignee_user=people[3],
        reason="t",
        replace=True,
    )
    assert differences() == []
    assignment_remove(actor=admin_user, assignment=a, reason="t")
    assignment_remove(actor=admin_user, assignment=b, reason="t")


def _identity_moved(org, domains, admin_user):
    """Moved team and platform (service), and by a plain save."""
    moved = org["ids"][0]
    identity_update(actor=admin_user, identity=moved, team=org["t"][1], reason="t")
    assert differences() == []
    moved.refresh_from_db()
    moved.platform = org["p"][1]
    moved.save()


def _identities_created(org, domains, admin_user):
    """One by one and in bulk (the importers' path)."""
    (t1, t2), (p1, _) = org["t"], org["p"]
    IdentityFactory(team=t1, platform=p1)
    built = [
        identity_build(
            actor=admin_user,
            name=f"bulk-{n}",
            kind="service_account",
            external_id=f"bulk-{n}",
            team=t2,
            platform=p1,
            environment="production",
            purpose="bulk",
            risk_tier="low",
        )
        for n in range(3)
    ]
    identities_register_many(actor=admin_user, identities=built, source="import")


def _leaver_at_global_scope(org, domains, admin_user):
    """Nothing to rewrite: the join follows is_active."""
    org["people"][0].is_active = False
    org["people"][0].save()


def _assignment_edited_in_place(org, domains, admin_user):
    """By the admin or a fixture: its old and new scopes."""
    c = AssignmentFactory(
        domain=domains["consumption"],
        scope_kind="team",
        team=org["t"][0],
        assignee_user=org["people"][4],
    )
    c.scope_kind, c.team, c.platform = "platform", None, org["p"][0]
    c.save()


def _assignment_moved_to_another_domain(org, domains, admin_user):
    """By the admin: its rows leave the old domain and appear in the new one (only those two
    domains are recomputed); made a C, it leaves no row at all."""
    r = AssignmentFactory(
        domain=domains["consumption"],
        scope_kind="team",
        team=org["t"][0],
        role="R",
        assignee_user=org["people"][4],
    )
    r.domain = domains["engineering"]
    r.save()
    assert differences() == []
    r.role = "C"
    r.save()
    assert differences() == []
    assert not EffectiveOwner.objects.filter(assignment_id=r.pk).exists()


def _identities_deleted(org, domains, admin_user):
    """One with an identity-scope cell (its rows cascade)."""
    gone = IdentityFactory(team=org["t"][0], platform=org["p"][0])
    AssignmentFactory(
        domain=domains["identity"],
        scope_kind="identity",
        identity=gone,
        assignee_user=org["people"][3],
    )
    Identity.objects.filter(pk__in=[gone.pk, org["ids"][1].pk]).delete()
    assert differences() == []
    assert not EffectiveOwner.objects.exclude(identity__in=Identity.objects.all()).exists()


@pytest.mark.parametrize(
    "change",
    [
        _assignments_set_and_removed,
        _identity_moved,
        _identities_created,
        _leaver_at_global_scope,
        _assignment_edited_in_place,
        _assignment_moved_to_another_domain,
        _identities_deleted,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_table_equals_resolver_after_each_kind_of_change(org, domains, admin_user, change):
    assert EffectiveOwner.objects.exists()
    assert differences() == []
    change(org, domains, admin_user)
    assert differences() == []


def test_table_rows_name_the_chain_and_the_leaver_s_next_up(org, domains):
    identity = org["ids"][0]  # team t1 (leaver A), global A people[0]
    chain = list(
        EffectiveOwner.objects.filter(identity=identity, domain=domains["identity"], role="A")
        .order_by("precedence")
        .values_list("user_id", flat=True)
    )
    assert chain == [org["leaver"].pk, org["people"][0].pk]


def test_check_names_a_difference_and_rebuild_mends_it(org, domains):
    row = EffectiveOwner.objects.filter(role="A", precedence=0).first()
    EffectiveOwner.objects.filter(pk=row.pk).delete()  # an edit behind Steward's back
    with pytest.raises(CommandError, match="1 difference"):
        call_command("check_effective_owners")
    assert any(f"identity {row.identity_id}" in line for line in differences())
    orphan = EffectiveOwner.objects.create(
        identity=org["ids"][1], domain=domains["exceptions"], role="A", precedence=0,
        assignment_id=10**9, user=org["people"][0],
    )  # fmt: skip
    assert f"row {orphan.pk}: names a removed assignment or identity" in differences()
    moved = EffectiveOwner.objects.filter(role="A").exclude(pk=orphan.pk).first()
    EffectiveOwner.objects.filter(pk=moved.pk).update(user=org["people"][5])
    assert f"row {moved.pk}: its assignee is not its assignment's" in differences()
    call_command("rebuild_effective_owners")
    call_command("check_effective_owners")
    assert differences() == []


def test_refresh_is_set_based(org, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        refresh(identity_ids=Identity.objects.values("pk"))
    assert differences() == []


def _resolved():
    return effective_raci(identity_ids=Identity.objects.values("pk"))


def test_sql_selectors_equal_the_resolver(org, domains):
    """The one SQL precedence (accountable owners, acting A, gaps and whom they escalate to)
    answers what the Python resolver answers, leaver included."""
    resolved = _resolved()
    for key, domain in domains.items():
        sql = dict(accountable_owners(domain_key=key).values_list("identity_id", "user_id"))
        assert sql == {
            i: per[key].accountable.pk for i, per in resolved.items() if per[key].accountable
        }
        acting = dict(
            acting_accountable().filter(domain=domain).values_list("identity_id", "user_id")
        )
        assert acting == {
            i: per[key].acting_accountable.pk
            for i, per in resolved.items()
            if per[key].acting_accountable
        }
    assert gap_escalations() == {
        i: {k: getattr(r.next_up, "pk", None) for k, r in per.items() if r.is_gap}
        for i, per in resolved.items()
        if any(r.is_gap for r in per.values())
    }
    leaver_team = org["ids"][0]
    assert gap_escalations()[leaver_team.pk]["identity"] == org["people"][0].pk


def test_lifecycle_owners_join_equals_the_resolver(org, domains):
    """`lifecycle.owners.owners_for` (a join on the table) names whom the resolver names:
    the active effective A, none for a leaver's gap, and the effective R with a team's active
    members (an inactive member left out)."""
    t2 = org["t"][1]
    member, gone = UserFactory(), UserFactory(is_active=False)
    t2.group.user_set.add(member, gone)
    ids = [i.pk for i in org["ids"]]
    owners = owners_for(set(ids), "identity")
    assert set(owners) == set(ids)
    for identity_id, per in effective_raci(identity_ids=ids, domain_keys=["identity"]).items():
        raci = per["identity"]
        responsible = set()
        for _label, who, _explain in raci.responsible:
            members = who.group.user_set.filter(is_active=True) if hasattr(who, "group") else [who]
            responsible |= {u.pk for u in members if u.is_active}
        a = None if raci.is_gap else raci.accountable.pk
        assert owners[identity_id] == Owners(a, frozenset(responsible)), identity_id
    t1_identity, t2_identity = org["ids"][0], org["ids"][2]
    assert owners[t1_identity.pk].accountable is None  # the team's A left
    assert owners[t2_identity.pk].responsible == {member.pk}
