"""Issue 17: grant timing (17.4) and the wording of refusals (17.9)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from approvals import services
from approvals.choices import RequestKind
from approvals.models import Grant
from approvals.services import PolicyRefused
from tests.approvals.factories import approve, submit_emergency, submit_exception
from tests.factories import IdentityFactory, UserFactory

pytestmark = pytest.mark.django_db


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
        "An emergency access request cannot be made for a pending identity: its onboarding "
        "must be approved first."
    )
    with pytest.raises(PolicyRefused) as caught:
        submit_exception(actor=engineer, identity=identity)
    assert caught.value.reasons[0].startswith("A policy exception request")
    assert RequestKind.EMERGENCY.label == "Emergency access"


# --- 17.5: credentials end with their grant; onboarding credentials are linked -----------------
def _onboarded(engineer, owner, team, now):
    from tests.approvals.factories import onboarding_data
    from tests.factories import PlatformFactory

    req = services.onboarding_submit(
        actor=engineer, data=onboarding_data(team=team, platform=PlatformFactory()), now=now
    )
    approve(req, owner, now=now)
    return req


def _record(engineer, identity, at):
    from identities.credentials import credential_record

    return credential_record(
        actor=engineer, identity=identity, kind="api_key", label="first key",
        key_id="kid-1", issued_at=at, expires_at=at + timedelta(days=400),
    )  # fmt: skip


def test_credential_recorded_during_onboarding_grant_is_linked_and_in_evidence(
    engineer, owner, team, governed
):
    from approvals.models import GrantCredential
    from evidence.exports import access_rows

    now = timezone.now()
    req = _onboarded(engineer, owner, team, now)
    credential = _record(engineer, req.identity, now + timedelta(minutes=5))
    assert GrantCredential.objects.get(credential=credential).grant == req.grant
    row = next(r for r in access_rows({}) if r["request_id"] == req.pk)
    assert [c["id"] for c in row["credentials"]] == [credential.pk]


def test_credential_recorded_outside_any_onboarding_grant_is_not_linked(engineer, identity):
    from approvals.models import GrantCredential

    _record(engineer, identity, timezone.now())
    assert not GrantCredential.objects.exists()


@pytest.mark.parametrize("how", ["expiry", "revocation", "decommission"])
def test_ending_a_grant_ends_its_credentials_and_tells_the_owner(
    engineer, owner, team, governed, how, admin_user
):
    from core.models import Notification
    from identities.models import Credential, LifecycleEvent
    from lifecycle.services import identity_decommission
    from lifecycle.sweeps import expiry_sweep
    from tests.approvals.conftest import set_accountable

    now = timezone.now()
    iam_a = UserFactory(username="ira-iam-owner")
    set_accountable(governed["identity"], iam_a)  # the identity domain's A is someone else
    req = _onboarded(engineer, iam_a, team, now)
    grant = req.grant
    credential = _record(engineer, req.identity, now + timedelta(minutes=1))
    if how == "expiry":
        expiry_sweep(now=grant.expires_at + timedelta(minutes=1))
    elif how == "revocation":
        from approvals.grants import grant_revoke

        grant_revoke(actor=engineer, grant=grant, reason="no longer needed")
    else:
        identity_decommission(actor=admin_user, identity=req.identity, reason="retired")
    credential.refresh_from_db()
    assert credential.status == "revoked" and credential.revoked_at is not None
    assert Credential.history.filter(id=credential.pk, status="revoked").count() == 1
    assert LifecycleEvent.objects.filter(credential=credential, kind="credential_revoked").exists()
    told = set(
        Notification.objects.filter(kind__startswith="grant_", subject_id=grant.pk).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {engineer.username, iam_a.username}


def test_credential_recorded_while_another_grant_is_active_is_left_to_link_by_hand(
    engineer, owner, team, governed
):
    from approvals.grants import grant_link_credential
    from approvals.models import GrantCredential
    from tests.approvals_helpers import approved_exception

    now = timezone.now()
    req = _onboarded(engineer, owner, team, now)
    req.identity.refresh_from_db()
    exception = approved_exception(req.identity, now + timedelta(minutes=1))
    credential = _record(engineer, req.identity, now + timedelta(minutes=2))
    assert not GrantCredential.objects.filter(credential=credential).exists()
    grant_link_credential(actor=engineer, grant=exception, credential=credential)
    assert GrantCredential.objects.get(credential=credential).grant == exception


# --- 17.3: a refused or stale decision refreshes the panel without its buttons ----------------
@pytest.mark.parametrize("who", ["admin_user", "owner"])
def test_refused_or_stale_htmx_decision_answers_the_panel_without_buttons(
    client, request, engineer, owner, identity, who
):
    from django.urls import reverse

    req = submit_exception(actor=engineer, identity=identity)
    if who == "owner":
        approve(req, owner)  # decided in another tab: this click is stale
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("approvals:decide", args=[req.pk]),
        {"outcome": "reject", "comment": "not needed"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == {"admin_user": 403, "owner": 409}[who]
    assert 'value="approve"' not in html and 'value="reject"' not in html
    assert 'role="alert"' in html
