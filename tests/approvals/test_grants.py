"""Grants after the decision: revoked and ended, renewed, the credentials under them, and
who keeps seeing the requests."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from approvals import grants, selectors, services
from approvals.choices import GrantStatus
from approvals.models import Grant, GrantCredential
from core.errors import Conflict
from identities.models import LifecycleEvent
from tests.approvals.conftest import set_accountable
from tests.approvals.factories import (
    EXCEPTION_FIELDS,
    approve,
    notified,
    submit_emergency,
    submit_exception,
)
from tests.factories import CredentialFactory, IdentityFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- revoke and end -------------------------------------------------------------------------
@pytest.fixture
def grant(engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    approve(req, owner)
    return Grant.objects.get(request=req)


def test_owner_revokes_with_a_reason(grant, owner, engineer):
    with pytest.raises(ValidationError):
        grants.grant_revoke(actor=owner, grant=grant, reason=" ")
    ended = grants.grant_revoke(actor=owner, grant=grant, reason="vendor fixed it")
    assert (ended.status, ended.ended_by, ended.end_reason) == ("revoked", owner, "vendor fixed it")
    assert notified("grant_revoked", engineer)
    assert LifecycleEvent.objects.filter(kind="grant_revoked", related_id=grant.pk).exists()
    assert "grant revoked" in grant.history.latest().history_change_reason
    with pytest.raises(Conflict, match="already ended"):
        grants.grant_revoke(actor=owner, grant=grant, reason="again")


def test_admin_and_requester_may_revoke_others_may_not(grant, admin_user, engineer, auditor):
    for actor in (auditor, UserFactory(groups=["engineers"])):
        with pytest.raises(PermissionDenied):
            grants.grant_revoke(actor=actor, grant=grant, reason="no")
    grants.grant_revoke(actor=engineer, grant=grant, reason="no longer needed")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REVOKED
    other = Grant.objects.get(pk=grant.pk)
    with pytest.raises(Conflict):
        grants.grant_revoke(actor=admin_user, grant=other, reason="also")


def test_grants_end_is_set_based_and_idempotent(grant, engineer, owner, identity):
    second = submit_emergency(actor=engineer, identity=identity).grant
    ended = grants.grants_end(grant_ids=[grant.pk, second.pk], status="expired")
    assert {g.pk for g in ended} == {grant.pk, second.pk}
    assert grants.grants_end(grant_ids=[grant.pk, second.pk], status="expired") == []
    grant.refresh_from_db()
    assert grant.status == "expired" and grant.ended_by.username
    assert grant.end_reason == "reached its end time"
    with pytest.raises(ValidationError):
        grants.grants_end(grant_ids=[grant.pk], status="active")


def test_grant_end_for_a_decommissioned_identity(grant):
    ended = grants.grant_end(grant=grant, status="decommissioned", reason="identity retired")
    assert ended.status == GrantStatus.DECOMMISSIONED


# --- renewal --------------------------------------------------------------------------------
def renew(grant, actor, identity, *, days: int, **fields):
    """An exception renewing `grant` for `days` (from the grant's end)."""
    return services.request_submit(
        actor=actor,
        kind="exception",
        identity=identity,
        renews=grant,
        duration_hours=24 * days,
        **fields,
    )


def test_renewal_refers_to_the_grant_and_is_evaluated(grant, engineer, owner, identity):
    restated = {"justification": "Migration slipped.", "compensating_controls": "Same as before."}
    renewal = renew(grant, engineer, identity, days=20, **{**EXCEPTION_FIELDS, **restated})
    assert renewal.renews == grant and renewal.requested_start == grant.expires_at
    shorter = renewal.requested_start + timedelta(days=7)
    approve(renewal, owner, granted_end=shorter)
    renewal.refresh_from_db()
    assert renewal.grant.expires_at == shorter  # granted
    assert renewal.requested_end == renewal.requested_start + timedelta(days=20)  # asked


def test_renewal_over_the_maximum_is_refused(grant, engineer, identity):
    from approvals.services import PolicyRefused

    with pytest.raises(PolicyRefused):
        renew(grant, engineer, identity, days=91, excepted_policy="x", scope="y",
              justification="z", compensating_controls="w")  # fmt: skip


def test_renewal_must_refer_to_an_active_grant_of_the_same_identity(
    grant, engineer, owner, team, identity
):
    other = IdentityFactory(team=team)
    with pytest.raises(ValidationError, match="same identity and kind"):
        services.request_submit(actor=engineer, kind="exception", identity=other, renews=grant)
    with pytest.raises(ValidationError, match="same identity and kind"):
        services.request_submit(actor=engineer, kind="emergency", identity=identity, renews=grant)
    grants.grant_revoke(actor=owner, grant=grant, reason="done")
    grant.refresh_from_db()
    with pytest.raises(ValidationError, match="Only an active grant"):
        services.request_submit(actor=engineer, kind="exception", identity=identity, renews=grant)


# --- credentials under a grant --------------------------------------------------------------
def test_credentials_link_to_their_grant(grant, owner, identity, engineer):
    credential = CredentialFactory(identity=identity)
    link = grants.grant_link_credential(actor=engineer, grant=grant, credential=credential)
    assert list(grant.credentials.all()) == [credential] and link.grant == grant
    with pytest.raises(Conflict):
        grants.grant_link_credential(actor=engineer, grant=grant, credential=credential)
    with pytest.raises(ValidationError, match="another identity"):
        grants.grant_link_credential(actor=engineer, grant=grant, credential=CredentialFactory())
    grants.grant_revoke(actor=owner, grant=grant, reason="done")
    grant.refresh_from_db()
    with pytest.raises(ValidationError, match="active grant"):
        grants.grant_link_credential(
            actor=engineer, grant=grant, credential=CredentialFactory(identity=identity)
        )
    assert GrantCredential.objects.count() == 1


# --- scope ----------------------------------------------------------------------------------
def test_approver_keeps_seeing_what_they_decided(engineer, identity, governed):
    """The A of runtime policy need not see the identity: the request stays in their scope."""
    a = UserFactory(username="rita-runtime", groups=["engineers"])
    set_accountable(governed["runtime_policy"], a)
    req = submit_exception(actor=engineer, identity=identity)
    assert selectors.waiting_for(a) == [req.pk]
    approve(req, a)
    assert selectors.request_get(user=a, pk=req.pk) == req
    assert selectors.grant_get(user=a, pk=req.grant.pk) == req.grant
    assert selectors.waiting_for(a) == []


def test_the_emergency_a_sees_the_active_grant_without_seeing_the_identity(
    engineer, identity, governed
):
    a = UserFactory(username="eve-emergency", groups=["engineers"])
    set_accountable(governed["exceptions"], a)
    grant = submit_emergency(actor=engineer, identity=identity).grant
    assert list(selectors.active_emergency_grants(a)) == [grant]
    assert list(selectors.reviews_due(a)) == [grant]
    grants.grant_review(actor=a, grant=grant, notes="ok")
    grants.grant_revoke(actor=a, grant=grant, reason="incident closed")
    assert selectors.request_get(user=a, pk=grant.request_id)  # still, as its reviewer
    assert list(selectors.active_emergency_grants(a)) == []


def test_outsiders_see_no_requests(engineer, identity, outsider):
    submit_exception(actor=engineer, identity=identity)
    assert not selectors.request_scope(outsider).exists()
    assert selectors.waiting_for(outsider) == []


def test_renewal_keeps_what_it_does_not_restate(grant, engineer, identity):
    renewal = renew(grant, engineer, identity, days=1, justification="One more day.")
    assert renewal.justification == "One more day."
    assert renewal.compensating_controls == grant.request.compensating_controls
    assert renewal.excepted_policy == grant.request.excepted_policy


def test_renewing_emergency_access_needs_an_approval(governed, engineer, owner):
    from datetime import timedelta

    from tests.approvals_helpers import emergency
    from tests.factories import IdentityFactory, TeamFactory

    identity = IdentityFactory(team=TeamFactory(members=[engineer]))
    grant = emergency(identity, engineer, timezone.now(), hours=2)
    renewal = services.request_submit(
        actor=engineer, kind="emergency", identity=identity, renews=grant,
        duration_hours=2, justification="still down",
        requested_start=grant.expires_at - timedelta(minutes=1),
    )  # fmt: skip
    assert renewal.status == "pending" and not hasattr(renewal, "grant")
    assert renewal.evaluation.outcome == "needs_approval"


@pytest.mark.parametrize("prefix", ["/", "/steward/"])
def test_request_urls_of_many_are_each_request_s_own_url(prefix):
    from django.urls import set_script_prefix

    from approvals.models import Request

    set_script_prefix(prefix)
    try:
        pks = [1, 42, 9_876_543_210, 10**12]
        assert Request.urls(pks) == {pk: Request(pk=pk).get_absolute_url() for pk in pks}
    finally:
        set_script_prefix("/")
