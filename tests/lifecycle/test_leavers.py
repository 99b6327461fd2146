"""Leavers: when an accountable owner is deactivated, the gap is escalated to the next A up
the precedence (identity > team > platform > global), once, and the requests waiting on them
are re-routed to that A, who is told and decides them through the page."""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Notification
from lifecycle.sweeps import escalation_sweep
from tests.approvals.factories import submit_exception
from tests.factories import IdentityFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def leave(user) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def gap_notices(user, key="identity"):
    return Notification.objects.filter(kind=f"ownership_gap:{key}", recipient=user)


@pytest.fixture
def identity(governed, engineer):
    """An active identity of the engineer's team; `owner` is the global A of every domain."""
    return IdentityFactory(team=TeamFactory(members=[engineer]), status="active")


@pytest.fixture
def platform_a(governed, identity):
    """The A of the identity and runtime-policy domains on the identity's platform."""
    user = UserFactory(username="pat-platform-a", groups=["engineers"])
    for key in ("identity", "runtime_policy"):
        AssignmentFactory(
            domain=governed[key], scope_kind="platform", platform=identity.platform, role="A",
            assignee_user=user,
        )  # fmt: skip
    return user


def test_a_platform_leaver_gap_goes_to_the_global_a_once(platform_a, owner, identity):
    leave(platform_a)
    now = timezone.now()
    escalation_sweep(now=now)
    escalation_sweep(now=now + dt.timedelta(hours=1))
    assert gap_notices(owner).count() == 1
    assert not gap_notices(platform_a).exists()


def test_an_identity_leaver_gap_goes_to_the_team_a_not_the_global_a(
    governed, owner, engineer, identity
):
    team_a = UserFactory(username="tia-team-a", groups=["engineers"])
    leaver = UserFactory(username="lee-leaver", groups=["engineers"])
    AssignmentFactory(domain=governed["identity"], scope_kind="team", team=identity.team,
                      role="A", assignee_user=team_a)  # fmt: skip
    AssignmentFactory(domain=governed["identity"], scope_kind="identity", identity=identity,
                      role="A", assignee_user=leaver)  # fmt: skip
    leave(leaver)
    escalation_sweep(now=timezone.now())
    assert gap_notices(team_a).count() == 1
    assert not gap_notices(owner).exists()


def test_no_a_anywhere_escalates_to_the_admins(governed, admin_user, owner):
    from governance.models import Assignment

    Assignment.objects.filter(domain=governed["consumption"]).delete()
    IdentityFactory(status="active")
    escalation_sweep(now=timezone.now())
    assert gap_notices(admin_user, "consumption").count() == 1


def test_a_leavers_pending_request_is_decided_by_the_next_a_through_the_page(
    client, platform_a, owner, engineer, identity
):
    request = submit_exception(actor=engineer, identity=identity)
    assert Notification.objects.filter(kind="approval_requested", recipient=platform_a).exists()
    client.force_login(owner)
    assert client.post(f"/approvals/requests/{request.pk}/decide/",
                       {"outcome": "approve"}).status_code in (403, 404)  # fmt: skip

    leave(platform_a)
    escalation_sweep(now=timezone.now())
    told = Notification.objects.filter(kind="approval_requested", recipient=owner)
    assert told.count() == 1 and told.get().subject_id == request.pk
    escalation_sweep(now=timezone.now())
    assert told.count() == 1  # told once

    page = client.get(f"/approvals/requests/{request.pk}/")
    assert page.status_code == 200
    response = client.post(f"/approvals/requests/{request.pk}/decide/", {"outcome": "approve"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved"
    decision = request.decisions.get()
    assert decision.decider == owner


def test_a_replacement_owner_is_told_of_what_waits(admin_user, platform_a, engineer, identity,
                                                   governed):  # fmt: skip
    from governance.services import assignment_set

    request = submit_exception(actor=engineer, identity=identity)
    successor = UserFactory(username="sam-successor", groups=["engineers"])
    assignment_set(
        actor=admin_user, domain=governed["runtime_policy"], scope_kind="platform",
        scope_obj=identity.platform, role="A", assignee_user=successor, reason="handover",
        replace=True,
    )  # fmt: skip
    escalation_sweep(now=timezone.now())
    told = Notification.objects.get(kind="approval_requested", recipient=successor)
    assert told.subject_id == request.pk
    assert (told.subject_type, told.title, told.link, told.due_on) == (
        "approvals.request", f"{request.get_kind_display()} request for {identity}",
        request.get_absolute_url(), request.expires_at.date(),
    )  # fmt: skip
