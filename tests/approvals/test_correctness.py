"""Issue 17: grant timing (17.4) and the wording of refusals (17.9)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from approvals import services
from approvals.choices import RequestKind
from approvals.models import Grant
from approvals.services import PolicyRefused
from tests.approvals.factories import submit_emergency, submit_exception
from tests.factories import IdentityFactory, UserFactory

pytestmark = pytest.mark.django_db


def approve(req, actor, **kw):
    return services.request_decide(request_id=req.pk, actor=actor, outcome="approve", **kw)


def test_grant_starts_when_the_quorum_is_complete_not_at_submission(engineer, owner, identity):
    submitted = timezone.now()
    req = submit_exception(actor=engineer, identity=identity, days=10, now=submitted)
    decided = submitted + timedelta(minutes=37)
    approve(req, owner, now=decided)
    grant = Grant.objects.get(request=req)
    assert grant.starts_at == decided
    assert grant.expires_at == req.requested_end


def test_grant_keeps_a_requested_start_later_than_the_decision(engineer, owner, identity):
    now = timezone.now()
    later = now + timedelta(days=2)
    req = submit_exception(
        actor=engineer, identity=identity, now=now,
        requested_start=later, requested_end=later + timedelta(days=3),
    )  # fmt: skip
    approve(req, owner, now=now + timedelta(hours=1))
    assert Grant.objects.get(request=req).starts_at == later


def test_approval_after_the_requested_window_is_refused(engineer, owner, identity):
    now = timezone.now()
    req = submit_exception(actor=engineer, identity=identity, days=1, now=now)
    with pytest.raises(ValidationError, match="has passed"):
        approve(req, owner, now=now + timedelta(days=2))
    assert not Grant.objects.filter(request=req).exists()
    assert not req.decisions.exists()


def test_refusal_to_decide_reads_as_english(engineer, identity, governed):
    req = submit_exception(actor=engineer, identity=identity)
    with pytest.raises(PermissionDenied) as caught:
        approve(req, UserFactory())
    assert str(caught.value.args[0]) == (
        "Only the effective accountable owner (A) of "
        f"{governed['runtime_policy'].name} for this identity may decide."
    )


def test_status_refusal_takes_the_right_article(engineer, team, governed):
    identity = IdentityFactory(team=team, status="pending")
    with pytest.raises(PolicyRefused) as caught:
        submit_emergency(actor=engineer, identity=identity)
    assert caught.value.reasons[0] == (
        "An emergency access request cannot be made for a pending identity."
    )
    with pytest.raises(PolicyRefused) as caught:
        submit_exception(actor=engineer, identity=identity)
    assert caught.value.reasons[0].startswith("A policy exception request")
    assert RequestKind.EMERGENCY.label == "Emergency access"
