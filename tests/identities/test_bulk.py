"""Registering many identities set-based (imports, syncs) writes what the one-by-one path
writes: the identity, its '+' history row with actor and reason, its onboarded event, each
chained in the evidence ledger; a duplicate external id writes nothing."""

import pytest
from django.core.exceptions import ValidationError

from evidence import ledger
from identities.models import Identity, LifecycleEvent
from identities.services import identities_register_many, identity_build
from tests.factories import PlatformFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=False)


def _built(actor, team, platform, names):
    return [
        identity_build(
            actor=actor,
            team=team,
            platform=platform,
            name=name,
            kind="workload",
            external_id=f"bulk://{name}",
            environment="production",
            purpose="Imported: 'quotes', commas, and ünïcode",
            risk_tier="medium",
            entitlements=["read", "write"],
            status="active",
            source="import:test",
            checked_teams={},
        )
        for name in names
    ]


def test_many_identities_get_history_events_and_ledger_entries(admin_user):
    team, platform = TeamFactory(), PlatformFactory()
    created = identities_register_many(
        actor=admin_user,
        identities=_built(admin_user, team, platform, ["a", "b", "c"]),
        source="import:test",
    )
    stored = Identity.objects.filter(pk__in=[i.pk for i in created]).order_by("name")
    assert [(i.name, i.entitlements, i.status) for i in stored] == [
        (n, ["read", "write"], "active") for n in "abc"
    ]
    assert all(i.created_at and i.updated_at for i in stored)
    history = Identity.history.filter(id__in=[i.pk for i in created])
    assert (
        sorted(history.values_list("history_type", "history_user_id")) == [("+", admin_user.pk)] * 3
    )
    assert {h.history_change_reason for h in history} == {
        f"registered via import:test by {admin_user}"
    }
    events = LifecycleEvent.objects.filter(identity__in=created, kind="onboarded")
    assert sorted(e.summary for e in events) == ["Registered via import:test as active"] * 3
    assert {e.actor_id for e in events} == {admin_user.pk}
    assert all(e.details == {"source": "import:test"} for e in events)
    for model in (Identity.history.model, LifecycleEvent):
        assert not ledger.unchained(model).exists(), model
    report = ledger.verify()
    assert report.ok, [str(p) for p in report.problems]


def test_a_duplicate_external_id_writes_nothing(admin_user):
    team, platform = TeamFactory(), PlatformFactory()
    identities_register_many(
        actor=admin_user, identities=_built(admin_user, team, platform, ["a"]), source="t"
    )
    before = (Identity.objects.count(), Identity.history.count(), LifecycleEvent.objects.count())
    with pytest.raises(ValidationError, match="already registered"):
        identities_register_many(
            actor=admin_user,
            identities=_built(admin_user, team, platform, ["b", "a"]),
            source="t",
        )
    after = (Identity.objects.count(), Identity.history.count(), LifecycleEvent.objects.count())
    assert after == before


def test_set_based_registration_materialises_the_effective_owners(admin_user, capsys):
    """COPY sends no post_save: the owners table is refreshed from `identity_scope_changed`
    (governance), so the check finds it equal to the resolver."""
    from django.core.management import call_command

    from governance.models import EffectiveOwner
    from tests.governance.factories import AssignmentFactory, default_domains

    team, platform = TeamFactory(), PlatformFactory()
    identity_domain = default_domains()["identity"]
    AssignmentFactory(
        domain=identity_domain, scope_kind="team", team=team, assignee_user=admin_user
    )
    created = identities_register_many(
        actor=admin_user,
        identities=_built(admin_user, team, platform, ["d", "e"]),
        source="import:test",
    )
    owners = EffectiveOwner.objects.filter(identity__in=created, domain=identity_domain, role="A")
    assert sorted(owners.values_list("identity_id", flat=True)) == sorted(i.pk for i in created)
    call_command("check_effective_owners")
    assert "effective owners match the resolver" in capsys.readouterr().out


def test_set_based_registration_grants_what_a_full_sync_would(admin_user):
    """The grants of a bulk registration are copied in without a diff (new identities hold
    none): a sync of the same identities afterwards finds nothing to add or remove."""
    from governance.services import permissions_sync
    from identities.models import IdentityGroupObjectPermission, IdentityUserObjectPermission
    from tests.governance.factories import AssignmentFactory, default_domains

    team, platform = TeamFactory(), PlatformFactory()
    domains = default_domains()
    AssignmentFactory(
        domain=domains["identity"], scope_kind="team", team=team, assignee_user=admin_user
    )
    AssignmentFactory(domain=domains["identity"], scope_kind="team", team=team, role="R",
                      assignee_user=None, assignee_team=team)  # fmt: skip
    created = identities_register_many(
        actor=admin_user,
        identities=_built(admin_user, team, platform, ["f", "g"]),
        source="import:test",
    )
    ids = [i.pk for i in created]
    users = IdentityUserObjectPermission.objects.filter(content_object_id__in=ids)
    groups = IdentityGroupObjectPermission.objects.filter(content_object_id__in=ids)
    assert sorted(
        users.filter(user=admin_user).values_list("content_object_id", "permission__codename")
    ) == [(i, c) for i in sorted(ids) for c in ("change_identity", "own_identity", "view_identity")]
    assert set(groups.values_list("content_object_id", "group_id")) >= {
        (i, team.group_id) for i in ids
    }
    assert permissions_sync(identity_ids=ids) == {
        "IdentityUserObjectPermission": {"added": 0, "removed": 0},
        "IdentityGroupObjectPermission": {"added": 0, "removed": 0},
    }
