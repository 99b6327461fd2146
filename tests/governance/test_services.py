import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, close_old_connections, connection, transaction

from governance.models import Assignment
from governance.services import assignment_remove, assignment_set, control_domain_create
from identities.models import LifecycleEvent
from tests.factories import IdentityFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory, default_domains

pytestmark = pytest.mark.django_db


def set_a(actor, domain, user, kind="global", obj=None, **kw):
    return assignment_set(
        actor=actor,
        domain=domain,
        scope_kind=kind,
        scope_obj=obj,
        role="A",
        assignee_user=user,
        reason=kw.pop("reason", "owner named"),
        **kw,
    )


def test_only_admins_edit_the_matrix(domains, engineer, auditor):
    for actor in (engineer, auditor):
        with pytest.raises(PermissionDenied):
            set_a(actor, domains["identity"], UserFactory())


def test_a_change_reason_is_required_and_recorded(domains, admin_user):
    with pytest.raises(ValidationError, match="reason"):
        set_a(admin_user, domains["identity"], UserFactory(), reason="  ")
    a = set_a(admin_user, domains["identity"], UserFactory(), reason="CISO decision 42")
    record = a.history.latest()
    assert record.history_change_reason == "CISO decision 42"
    assert record.history_user == admin_user


def test_second_accountable_for_same_scope_is_refused(domains, admin_user):
    set_a(admin_user, domains["identity"], UserFactory())
    with pytest.raises(ValidationError, match="already has an accountable"):
        set_a(admin_user, domains["identity"], UserFactory())
    # other scopes and domains are free
    set_a(admin_user, domains["engineering"], UserFactory())
    team = TeamFactory()
    set_a(admin_user, domains["identity"], UserFactory(), kind="team", obj=team)
    with pytest.raises(ValidationError, match="already has an accountable"):
        set_a(admin_user, domains["identity"], UserFactory(), kind="team", obj=team)


def test_replace_swaps_the_accountable_with_history(domains, admin_user):
    old, new = UserFactory(), UserFactory()
    first = set_a(admin_user, domains["identity"], old)
    second = set_a(admin_user, domains["identity"], new, replace=True, reason="handover")
    assert list(Assignment.objects.filter(role="A")) == [second]
    assert first.history.model.objects.filter(id=first.pk, history_type="-").exists()


def test_database_enforces_one_accountable_per_scope(domains):
    AssignmentFactory(domain=domains["identity"])
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentFactory(domain=domains["identity"])


def test_inactive_or_team_accountable_is_refused(domains, admin_user):
    leaver = UserFactory(is_active=False)
    with pytest.raises(ValidationError, match="deactivated"):
        set_a(admin_user, domains["identity"], leaver)
    with pytest.raises(ValidationError, match="one named person"):
        assignment_set(
            actor=admin_user,
            domain=domains["identity"],
            scope_kind="global",
            role="A",
            assignee_team=TeamFactory(),
            reason="x",
        )


def test_scope_object_must_match_scope_kind(domains, admin_user):
    with pytest.raises(ValidationError):
        set_a(admin_user, domains["identity"], UserFactory(), kind="team", obj=None)
    with pytest.raises(ValidationError):
        set_a(admin_user, domains["identity"], UserFactory(), kind="platform", obj=TeamFactory())


def test_identity_override_is_on_the_timeline(domains, admin_user):
    identity = IdentityFactory()
    a = set_a(admin_user, domains["identity"], UserFactory(), kind="identity", obj=identity)
    assignment_remove(actor=admin_user, assignment=a, reason="left the project")
    kinds = list(LifecycleEvent.objects.filter(identity=identity).values_list("kind", flat=True))
    assert kinds.count("owner_changed") == 2


def test_remove_needs_admin_and_reason(domains, admin_user, engineer):
    a = set_a(admin_user, domains["identity"], UserFactory())
    with pytest.raises(PermissionDenied):
        assignment_remove(actor=engineer, assignment=a, reason="x")
    with pytest.raises(ValidationError):
        assignment_remove(actor=admin_user, assignment=a, reason="")
    assignment_remove(actor=admin_user, assignment=a, reason="gone")
    assert not Assignment.objects.exists()


def test_admins_add_control_domains(admin_user, engineer):
    with pytest.raises(PermissionDenied):
        control_domain_create(actor=engineer, key="ai_safety", name="AI safety")
    d = control_domain_create(
        actor=admin_user,
        key="ai_safety",
        name="AI safety",
        decision_rights=["approve model access"],
    )
    assert d.history.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_accountable_creation_exactly_one_wins():
    from core.roles import ADMINS

    domains = default_domains()
    admin = UserFactory(username="race-admin", groups=[ADMINS])
    candidates = UserFactory.create_batch(6)
    barrier = threading.Barrier(len(candidates))
    outcomes: list = []

    def attempt(user):
        try:
            barrier.wait(timeout=10)
            set_a(admin, domains["runtime_policy"], user, reason="race")
            outcomes.append("won")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in candidates]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcomes.count("won") == 1
    losers = [o for o in outcomes if o != "won"]
    assert len(losers) == len(candidates) - 1
    assert all("already has an accountable" in o for o in losers)
    assert Assignment.objects.filter(role="A", domain=domains["runtime_policy"]).count() == 1
