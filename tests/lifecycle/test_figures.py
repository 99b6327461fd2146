"""One figure, one selector: the dashboard, the rotation page and the posture page (and the
metrics gauge) show the same count of overdue credentials and the same identity total on one
fixture."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from evidence.checks import run_check
from lifecycle.apps import _gauges
from tests.factories import CredentialFactory, IdentityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(lifecycle_world):
    """3 overdue (expired; past its policy's 180-day maximum age; expired on a suspended
    identity), and what must not count: fresh, due soon, revoked, decommissioned's."""
    now = timezone.now()
    team, identity = lifecycle_world["team"], lifecycle_world["identity"]
    suspended = IdentityFactory(team=team, status="suspended", risk_tier="medium")
    gone = IdentityFactory(team=team, status="decommissioned", risk_tier="medium")
    IdentityFactory.create_batch(2, team=team, status="pending")
    IdentityFactory(team=team, status="active", risk_tier="high")
    old = now - timedelta(days=10)
    CredentialFactory(identity=identity, issued_at=old, expires_at=now - timedelta(hours=1))
    CredentialFactory(identity=identity, issued_at=now - timedelta(days=200), expires_at=None)
    CredentialFactory(identity=suspended, issued_at=old, expires_at=now - timedelta(days=2))
    CredentialFactory(identity=identity, issued_at=old, expires_at=now + timedelta(days=60))
    CredentialFactory(identity=identity, issued_at=old, expires_at=now + timedelta(days=3))
    CredentialFactory(identity=identity, issued_at=old, expires_at=now - timedelta(days=1),
                      status="revoked", revoked_at=now - timedelta(days=2))  # fmt: skip
    CredentialFactory(identity=gone, issued_at=old, expires_at=now - timedelta(days=1))
    return {"overdue": 3, "soon": 1, "identities": 6}


def _figure(html: bytes, element_id: str) -> int:
    match = re.search(rf'id="{element_id}"[^>]*>(\d+)<', html.decode())
    assert match, f"#{element_id} not on the page"
    return int(match.group(1))


def test_dashboard_rotation_and_posture_show_the_same_figures(client, auditor, figures):
    client.force_login(auditor)
    registry = client.get("/identities/panels/dashboard/")
    lifecycle = client.get("/lifecycle/panels/dashboard/")
    rotation = client.get("/lifecycle/rotation/?overdue=1")
    posture = client.get("/evidence/posture/")

    overdue = {
        "dashboard": _figure(lifecycle.content, "card-rotation-overdue"),
        "rotation summary": _figure(rotation.content, "overdue-total"),
        "rotation rows": rotation.context["table"].paginator.count,
        "posture": _figure(posture.content, "overdue-total"),
        "posture check": run_check("no_credential_past_max_age").failing_count,
        "metrics gauge": _gauges()["rotations_overdue"][1],
    }
    assert set(overdue.values()) == {figures["overdue"]}, overdue
    assert _figure(lifecycle.content, "card-expiring") == figures["soon"]  # not overdue
    totals = {
        "dashboard": _figure(registry.content, "identities-total"),
        "posture": _figure(posture.content, "identities-total"),
        "posture check": run_check("inventory_traceable").total,
    }
    assert set(totals.values()) == {figures["identities"]}, totals


def test_an_engineer_sees_the_same_overdue_figure_on_dashboard_and_rotation_page(
    client, engineer, figures
):
    client.force_login(engineer)  # a member of the team: the fixture is all in scope
    dashboard = client.get("/lifecycle/panels/dashboard/")
    rotation = client.get("/lifecycle/rotation/?overdue=1")
    assert _figure(dashboard.content, "card-rotation-overdue") == figures["overdue"]
    assert _figure(rotation.content, "overdue-total") == figures["overdue"]
