"""Onboarding and break-glass requests: what their approval, rejection or end does to the
identity, and the post-incident review."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from approvals import grants, selectors, services
from approvals.choices import RequestStatus
from approvals.models import Grant
from core.errors import Conflict
from core.models import Notification
from tests.approvals.factories import (
    approve,
    onboarding_data,
    reject,
    submit_emergency,
    submit_exception,
)
from tests.factories import PlatformFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- onboarding -----------------------------------------------------------------------------
def test_onboarding_approval_activates_the_identity(engineer, owner, team, governed):
    req = services.onboarding_submit(
        actor=engineer, data=onboarding_data(team=team, platform=PlatformFactory())
    )
    assert req.identity.status == "pending" and req.kind == "onboarding"
    approve(req, owner)
    req.identity.refresh_from_db()
    assert req.identity.status == "active"


def test_onboarding_rejection_rejects_the_identity(engineer, owner, team, governed):
    req = services.onboarding_submit(
        actor=engineer, data=onboarding_data(team=team, platform=PlatformFactory())
    )
    reject(req, owner, comment="duplicate of ledger-sync")
    req.identity.refresh_from_db()
    assert req.identity.status == "rejected"


def test_onboarding_request_ends_with_the_identity(engineer, team, governed):
    ends_on = timezone.localdate() + timedelta(days=10)
    req = services.onboarding_submit(
        actor=engineer,
        data=onboarding_data(team=team, platform=PlatformFactory(), ends_on=ends_on),
    )
    assert req.requested_end.date() == ends_on


# --- break-glass ----------------------------------------------------------------------------
def test_emergency_is_active_at_once_and_the_a_is_told(engineer, owner, identity):
    now = timezone.now()
    req = submit_emergency(actor=engineer, identity=identity, hours=3, now=now)
    assert req.status == RequestStatus.APPROVED and req.evaluation.outcome == "active_at_once"
    grant = req.grant
    assert grant.is_live and grant.starts_at == now
    assert grant.expires_at == now + timedelta(hours=3)
    assert grant.review_due_at == now + timedelta(hours=24)
    n = Notification.objects.get(kind="emergency_activated")
    assert n.recipient == owner and "review it by" in n.reason
    assert [g.pk for g in selectors.active_emergency_grants(owner)] == [grant.pk]
    with pytest.raises(Conflict):
        approve(req, owner)


def test_post_incident_review_by_the_a_only(engineer, owner, identity, admin_user):
    grant = submit_emergency(actor=engineer, identity=identity).grant
    assert list(selectors.reviews_due(owner)) == [grant]
    with pytest.raises(PermissionDenied, match="own emergency"):
        grants.grant_review(actor=engineer, grant=grant, notes="all fine")
    with pytest.raises(PermissionDenied):
        grants.grant_review(actor=admin_user, grant=grant, notes="all fine")
    with pytest.raises(ValidationError):
        grants.grant_review(actor=owner, grant=grant, notes="  ")
    reviewed = grants.grant_review(actor=owner, grant=grant, notes="Used as asked.")
    assert reviewed.reviewed_by == owner and reviewed.review_notes == "Used as asked."
    assert list(selectors.reviews_due(owner)) == []
    with pytest.raises(Conflict):
        grants.grant_review(actor=owner, grant=grant, notes="again")


def test_review_becomes_overdue_after_the_deadline(engineer, owner, identity):
    past = timezone.now() - timedelta(hours=30)
    grant = submit_emergency(actor=engineer, identity=identity, now=past).grant
    assert grant.review_due_at < timezone.now()
    assert list(selectors.reviews_due(owner)) == [grant]  # still open, now overdue


def test_only_break_glass_grants_are_reviewed(engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    approve(req, owner)
    with pytest.raises(PermissionDenied):  # owner is A of exceptions too, but wrong kind
        grants.grant_review(actor=UserFactory(), grant=req.grant, notes="x")
    with pytest.raises(ValidationError, match="needs no post-incident review"):
        grants.grant_review(actor=owner, grant=Grant.objects.get(pk=req.grant.pk), notes="x")
