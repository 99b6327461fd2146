"""No write path skips history: every service writes its history rows, each with an actor and
a change reason (the named system user for tasks), and each row is in the ledger."""

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
from identities import credentials, organisation, services, status
from identities.models import Credential, Identity, Platform, Team
from tests.factories import IdentityFactory, TeamFactory

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
        chained = set(
            LedgerEntry.objects.filter(
                source=ledger.label(_history(model)), record_pk__in=[r.pk for r in rows]
            ).values_list("record_pk", flat=True)
        )
        assert chained == {r.pk for r in rows}, f"{model.__name__}: history not chained"
    return result


def test_every_service_writes_attributed_chained_history(governed, admin_user, engineer, owner):
    team = writes_history(
        admin_user, [Team], lambda: organisation.team_create(actor=admin_user, name="Core")
    )
    organisation.team_add_member(actor=admin_user, team=team, user=engineer)
    platform = writes_history(
        admin_user,
        [Platform],
        lambda: organisation.platform_create(
            actor=admin_user, name="gke", kind="kubernetes", owning_team=team
        ),
    )
    request = writes_history(
        engineer,
        [Identity, Request],
        lambda: approvals.onboarding_submit(
            actor=engineer,
            data={
                "team": team,
                "platform": platform,
                "name": "bot",
                "kind": "bot",
                "external_id": "ns/bot",
                "environment": "test",
                "purpose": "Bots.",
                "risk_tier": "low",
                "justification": "j",
            },
        ),
    )
    writes_history(
        owner,
        [Decision, Request, Grant, Identity],
        lambda: approvals.request_decide(request_id=request.pk, actor=owner, outcome="approve"),
    )
    identity = Identity.objects.get(pk=request.identity_id)
    identity = writes_history(
        engineer,
        [Identity],
        lambda: services.identity_update(
            actor=engineer, identity=identity, purpose="Bots, still."
        ),
    )
    credential = writes_history(
        engineer,
        [Credential],
        lambda: credentials.credential_record(
            actor=engineer, identity=identity, kind="token", label="t", fingerprint="SHA256:1"
        ),
    )
    rotated = writes_history(
        engineer,
        [Credential],
        lambda: credentials.credential_rotate(
            actor=engineer, credential=credential, fingerprint="SHA256:2"
        ),
    )
    writes_history(
        engineer,
        [Credential],
        lambda: credentials.credential_revoke(actor=engineer, credential=rotated, reason="leaked"),
    )
    domain = writes_history(
        admin_user,
        [ControlDomain],
        lambda: governance.control_domain_create(
            actor=admin_user, key="ai", name="AI behaviour", reason="new domain"
        ),
    )
    assignment = writes_history(
        admin_user,
        [Assignment],
        lambda: governance.assignment_set(
            actor=admin_user,
            domain=domain,
            scope_kind="team",
            scope_obj=team,
            role="A",
            assignee_user=owner,
            reason="owns AI",
        ),
    )
    writes_history(
        admin_user,
        [Assignment],
        lambda: governance.assignment_remove(
            actor=admin_user, assignment=assignment, reason="moved"
        ),
    )
    exception = writes_history(
        engineer,
        [Request],
        lambda: approvals.request_submit(
            actor=engineer,
            kind="exception",
            identity=identity,
            justification="j",
            excepted_policy="p",
            scope="s",
            compensating_controls="c",
            duration_hours=2,
        ),
    )
    writes_history(
        engineer, [Request], lambda: approvals.request_cancel(actor=engineer, request=exception)
    )
    pending = approvals.request_submit(
        actor=engineer,
        kind="exception",
        identity=identity,
        justification="j",
        excepted_policy="p",
        scope="s",
        compensating_controls="c",
        duration_hours=2,
    )
    writes_history(
        system_user(),
        [Request],
        lambda: approvals.requests_expire_pending(now=timezone.now() + timedelta(days=30)),
    )
    assert (
        Request.history.filter(id=pending.pk, history_type="~").last().history_user.username
        == "steward-system"
    )
    emergency = writes_history(
        engineer,
        [Request, Grant],
        lambda: approvals.request_submit(
            actor=engineer,
            kind="emergency",
            identity=identity,
            justification="j",
            access_requested="admin",
            incident_reference="INC-1",
            duration_hours=1,
        ),
    )
    grant = Grant.objects.get(request=emergency)
    writes_history(
        owner, [Grant], lambda: approval_grants.grant_review(actor=owner, grant=grant, notes="fine")
    )
    writes_history(
        owner,
        [Grant],
        lambda: approval_grants.grant_revoke(actor=owner, grant=grant, reason="done"),
    )
    writes_history(
        admin_user,
        [Identity],
        lambda: status.identity_set_status(
            actor=admin_user, identity=identity, status="decommissioned", reason="gone"
        ),
    )
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
