"""No write path skips history: every service writes its history rows, each with an actor and
a change reason (the named system user for tasks), and each row is in the ledger."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import grants as approval_grants
from approvals import services as approvals
from approvals.models import Decision, Grant, Request
from core.history import history_actor
from core.system import system_user
from evidence import ledger
from evidence.models import LedgerEntry
from governance import services as governance
from governance.models import Assignment, ControlDomain
from identities import credentials, directory, status
from identities import services as identities
from identities.models import Credential, Identity, Platform, Team
from tests.factories import IdentityFactory, PlatformFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _history(model):
    return model.history.model


def writes_history(actor, models, call):
    """Run `call` as `actor` would (a web request's middleware or a task's `history_actor`
    names the user); assert it wrote history rows for each of `models`, attributed to the
    actor (or the system user), explained, and chained. Returns the call's result."""
    marks = {
        m: _history(m).objects.order_by("-history_id").values_list("pk", flat=True).first() or 0
        for m in models
    }
    with history_actor(actor):
        result = call()
    for model, mark in marks.items():
        rows = list(_history(model).objects.filter(history_id__gt=mark))
        assert rows, f"{model.__name__}: no history written"
        for row in rows:
            assert row.history_user_id is not None, f"{model.__name__}: no actor"
            assert row.history_user in (actor, system_user()), f"{model.__name__}: wrong actor"
            assert row.history_change_reason, f"{model.__name__}: no change reason"
        ledger.chain()
        chained = set(
            LedgerEntry.objects.filter(
                source=ledger.label(_history(model)), record_pk__in=[r.pk for r in rows]
            ).values_list("record_pk", flat=True)
        )
        assert chained == {r.pk for r in rows}, f"{model.__name__}: history not chained"
    return result


@dataclass
class World:
    """What the services under test act on: the engineer's team and platform, an active
    identity there, and the people (`owner` is the global A of every domain)."""

    admin: object
    engineer: object
    owner: object
    team: Team
    platform: Platform
    identity: Identity


@pytest.fixture
def world(governed, admin_user, engineer, owner, team) -> World:
    platform = PlatformFactory(name="gke", slug="gke", owning_team=team)
    identity = IdentityFactory(team=team, platform=platform, name="bot", external_id="ns/bot")
    return World(admin_user, engineer, owner, team, platform, identity)


def _onboarding(w: World):
    data = {
        "team": w.team, "platform": w.platform, "name": "new-bot", "kind": "bot",
        "external_id": "ns/new-bot", "environment": "test", "purpose": "Bots.",
        "risk_tier": "low", "justification": "j",
    }  # fmt: skip
    return approvals.onboarding_submit(actor=w.engineer, data=data)


def _request(w: World, kind: str = "exception", actor=None):
    fields = (
        {"excepted_policy": "p", "scope": "s", "compensating_controls": "c", "duration_hours": 2}
        if kind == "exception"
        else {"access_requested": "admin", "incident_reference": "INC-1", "duration_hours": 1}
    )
    return approvals.request_submit(
        actor=actor or w.engineer, kind=kind, identity=w.identity, justification="j", **fields
    )


def _credential(w: World):
    return credentials.credential_record(
        actor=w.engineer, identity=w.identity, kind="token", label="t", fingerprint="SHA256:1"
    )


def _assignment(w: World):
    domain = ControlDomain.objects.get(key="identity")
    return governance.assignment_set(
        actor=w.admin, domain=domain, scope_kind="team", scope_obj=w.team, role="R",
        assignee_user=w.engineer, reason="runs it",
    )  # fmt: skip


def _emergency_grant(w: World):
    return Grant.objects.get(request=_request(w, "emergency"))


# Cases whose call needs a row made first: the setup runs before `writes_history` marks
# where the history under test starts; the returned call is what is checked.
def decide_onboarding(w: World):
    r = _onboarding(w)
    return lambda: approvals.request_decide(request_id=r.pk, actor=w.owner, outcome="approve")


def rotate_credential(w: World):
    c = _credential(w)
    return lambda: credentials.credential_rotate(
        actor=w.engineer, credential=c, fingerprint="SHA256:2"
    )


def revoke_credential(w: World):
    c = _credential(w)
    return lambda: credentials.credential_revoke(actor=w.engineer, credential=c, reason="leaked")


def remove_assignment(w: World):
    a = _assignment(w)
    return lambda: governance.assignment_remove(actor=w.admin, assignment=a, reason="moved")


def cancel_request(w: World):
    r = _request(w)
    return lambda: approvals.request_cancel(actor=w.engineer, request=r)


def expire_pending(w: World):
    _request(w)
    return lambda: approvals.requests_expire_pending(now=timezone.now() + timedelta(days=30))


def review_grant(w: World):
    g = _emergency_grant(w)
    return lambda: approval_grants.grant_review(actor=w.owner, grant=g, notes="fine")


def revoke_grant(w: World):
    g = _emergency_grant(w)
    return lambda: approval_grants.grant_revoke(actor=w.owner, grant=g, reason="done")


# (case, who acts, models whose history the call must write, world -> the call)
SERVICES = [
    ("team_create", "admin", [Team],
     lambda w: lambda: directory.team_create(actor=w.admin, name="Core")),
    ("platform_create", "admin", [Platform],
     lambda w: lambda: directory.platform_create(
         actor=w.admin, name="eks", kind="kubernetes", owning_team=w.team)),
    ("onboarding_submit", "engineer", [Identity, Request], lambda w: lambda: _onboarding(w)),
    ("request_decide", "owner", [Decision, Request, Grant, Identity], decide_onboarding),
    ("identity_update", "engineer", [Identity],
     lambda w: lambda: identities.identity_update(
         actor=w.engineer, identity=w.identity, purpose="Bots, still.")),
    ("credential_record", "engineer", [Credential], lambda w: lambda: _credential(w)),
    ("credential_rotate", "engineer", [Credential], rotate_credential),
    ("credential_revoke", "engineer", [Credential], revoke_credential),
    ("control_domain_create", "admin", [ControlDomain],
     lambda w: lambda: governance.control_domain_create(
         actor=w.admin, key="ai", name="AI behaviour", reason="new domain")),
    ("assignment_set", "admin", [Assignment], lambda w: lambda: _assignment(w)),
    ("assignment_remove", "admin", [Assignment], remove_assignment),
    ("request_submit", "engineer", [Request], lambda w: lambda: _request(w)),
    ("request_cancel", "engineer", [Request], cancel_request),
    ("requests_expire_pending", "system", [Request], expire_pending),
    ("emergency request_submit", "engineer", [Request, Grant],
     lambda w: lambda: _request(w, "emergency")),
    ("grant_review", "owner", [Grant], review_grant),
    ("grant_revoke", "owner", [Grant], revoke_grant),
    ("identity_set_status", "admin", [Identity],
     lambda w: lambda: status.identity_set_status(
         actor=w.admin, identity=w.identity, status="decommissioned", reason="gone")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("who", "models", "step"), [case[1:] for case in SERVICES], ids=[c[0] for c in SERVICES]
)
def test_every_service_writes_attributed_chained_history(world, who, models, step):
    actor = system_user() if who == "system" else getattr(world, who)
    writes_history(actor, models, step(world))
    assert ledger.verify().ok


def test_tasks_act_as_the_named_system_user(governed, engineer):
    team = TeamFactory(members=[engineer])
    identity = IdentityFactory(team=team)
    request = approvals.request_submit(
        actor=engineer,
        kind="emergency",
        identity=identity,
        justification="j",
        access_requested="admin",
        incident_reference="INC-2",
        duration_hours=1,
    )
    grant = Grant.objects.get(request=request)
    approval_grants.grants_end(grant_ids=[grant.pk], status="expired")
    row = grant.history.filter(status="expired").get()
    assert row.history_user.username == "steward-system"
    assert row.history_change_reason.startswith("grant expired")
