import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from approvals.models import Grant
from core.models import Notification
from identities.models import Credential, Identity
from tests.factories import CredentialFactory, IdentityFactory
from tests.usage.conftest import add_series
from usage.choices import SignalKind
from usage.detectors import SpikeConfig, detect, find_spikes, robust_baseline, spike_score
from usage.models import Signal, UsageRecord

CONFIG = SpikeConfig(baseline_days=28, min_history=7, z=5.0, min_ratio=2.0)
DAY0 = dt.date(2026, 3, 1)


def series_of(values, start=DAY0):
    return {start + dt.timedelta(days=i): v for i, v in enumerate(values) if v is not None}


# --- statistics on synthetic series ----------------------------------------------------------
def test_robust_baseline_is_median_and_mad():
    assert robust_baseline([1, 2, 3, 4, 100]) == (3, 1)


def test_spike_on_a_noisy_series_is_found():
    values = [10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 11, 9, 10, 80]
    series = series_of(values)
    last = DAY0 + dt.timedelta(days=len(values) - 1)
    spikes = find_spikes(series, [last], CONFIG)
    assert list(spikes) == [last]
    assert spikes[last]["median"] == 10 and spikes[last]["z"] >= CONFIG.z


def test_flat_series_raises_nothing():
    series = series_of([25.0] * 40)
    assert find_spikes(series, list(series), CONFIG) == {}


def test_ordinary_variation_is_not_a_spike():
    values = [10, 14, 8, 12, 9, 15, 11, 10, 13, 9, 16]
    series = series_of(values)
    assert find_spikes(series, list(series), CONFIG) == {}


def test_sparse_series_has_too_little_history():
    values = [5, None, None, None, None, 6, None, None, None, None, None, 4, None, None, 500]
    series = series_of(values)
    assert find_spikes(series, list(series), CONFIG) == {}


def test_new_identity_is_never_a_spike():
    assert spike_score(1000.0, [1.0, 2.0, 1.0], CONFIG) is None


def test_a_drop_is_not_a_spike():
    assert spike_score(0.0, [100.0] * 10, CONFIG) is None


def test_zero_baseline_then_real_spend_is_a_spike():
    assert spike_score(50.0, [0.0] * 10, CONFIG) is not None


# --- the sweep ------------------------------------------------------------------------------------
def _snapshot():
    """What a signal must never change: grants, permissions, credentials, statuses."""
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from identities.models import IdentityGroupObjectPermission, IdentityUserObjectPermission

    return (
        sorted(Identity.objects.values_list("pk", "status")),
        sorted(Credential.objects.values_list("pk", "status", "revoked_at", "expires_at")),
        sorted(Grant.objects.values_list("pk", "status", "expires_at")),
        IdentityUserObjectPermission.objects.count(),
        IdentityGroupObjectPermission.objects.count(),
        UserObjectPermission.objects.count(),
        GroupObjectPermission.objects.count(),
    )


@pytest.fixture
def unchanged():
    """Asserts at the end of the test that no grant, permission, credential or status moved."""
    before = {}

    def take():
        before["s"] = _snapshot()

    yield take
    assert _snapshot() == before["s"]


def test_spike_is_raised_once_and_notifies_the_consumption_owner(
    usage_world, finance, today, unchanged
):
    identity = usage_world["identity"]
    add_series(identity, [10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 250], end=today)
    unchanged()
    result = detect(start=today - dt.timedelta(days=2), end=today)
    assert result.created == {SignalKind.SPIKE: 1}
    signal = Signal.objects.get()
    assert (signal.identity, signal.day, signal.assignee) == (identity, today, finance)
    assert signal.details["median"] == 10 and signal.cost == Decimal("250")
    assert signal.history.count() == 1
    assert Notification.objects.filter(recipient=finance, kind="usage_spike").count() == 1
    again = detect(start=today - dt.timedelta(days=2), end=today)
    assert again.total == 0 and Signal.objects.count() == 1
    assert Notification.objects.count() == 1


def test_flat_usage_raises_no_signal(usage_world, today, unchanged):
    add_series(usage_world["identity"], [40] * 30, end=today)
    unchanged()
    assert detect(start=today - dt.timedelta(days=29), end=today).total == 0


def test_new_identity_with_big_first_days_raises_no_spike(usage_world, today, unchanged):
    add_series(usage_world["identity"], [500, 900, 1200], end=today)
    unchanged()
    assert detect(start=today - dt.timedelta(days=2), end=today).total == 0


@pytest.mark.parametrize("status", ["suspended", "decommissioned"])
def test_usage_by_an_inactive_identity_after_it_became_so(
    usage_world, owner, finance, today, status, unchanged
):
    from identities.status import identity_set_status

    identity = usage_world["identity"]
    if status == "decommissioned":
        identity_set_status(actor=owner, identity=identity, status="suspended", reason="x")
    identity_set_status(actor=owner, identity=identity, status=status, reason="offboarded")
    Identity.objects.filter(pk=identity.pk).update(status=status)
    from identities.models import LifecycleEvent

    LifecycleEvent.objects.filter(identity=identity).update(
        occurred_at=timezone.now() - dt.timedelta(days=2)
    )
    add_series(identity, [3, 3, 3, 3], end=today)  # the day before the change too
    unchanged()
    detect(start=today - dt.timedelta(days=3), end=today)
    signal = Signal.objects.get(kind=SignalKind.INACTIVE_IDENTITY)
    days = [(today - dt.timedelta(days=d)).isoformat() for d in (2, 1, 0)]  # from the change
    assert signal.details["days"] == days
    assert signal.severity == "high" and signal.assignee == finance
    assert Identity.objects.get(pk=identity.pk).status == status


def test_active_identity_usage_is_no_lifecycle_signal(usage_world, today, unchanged):
    CredentialFactory(identity=usage_world["identity"])
    add_series(usage_world["identity"], [3, 3, 3], end=today)
    unchanged()
    detect(start=today - dt.timedelta(days=2), end=today)
    assert not Signal.objects.exists()


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_usage_after_every_credential_ended(usage_world, today, how, unchanged):
    identity = usage_world["identity"]
    ended = timezone.now() - dt.timedelta(days=2)
    fields = {"revoked_at": ended} if how == "revoked" else {"expires_at": ended}
    CredentialFactory(identity=identity, status=how, issued_at=ended - dt.timedelta(days=90),
                      **fields)  # fmt: skip
    add_series(identity, [4, 4, 4, 4], end=today)
    unchanged()
    detect(start=today - dt.timedelta(days=3), end=today)
    signal = Signal.objects.get(kind=SignalKind.AFTER_CREDENTIALS_ENDED)
    assert signal.details["days"] == [(today - dt.timedelta(days=1)).isoformat(), today.isoformat()]
    assert Credential.objects.get().status == how


def test_a_live_replacement_credential_means_no_signal(usage_world, today, unchanged):
    identity = usage_world["identity"]
    long_ago = timezone.now() - dt.timedelta(days=30)
    CredentialFactory(identity=identity, status="revoked", revoked_at=long_ago,
                      issued_at=long_ago - dt.timedelta(days=9))  # fmt: skip
    CredentialFactory(identity=identity, status="active", issued_at=long_ago)
    add_series(identity, [4, 4], end=today)
    unchanged()
    detect(start=today - dt.timedelta(days=1), end=today)
    assert not Signal.objects.filter(kind=SignalKind.AFTER_CREDENTIALS_ENDED).exists()


def test_unattributed_spend_goes_to_the_global_consumption_owner(usage_world, finance, today):
    UsageRecord.objects.create(platform_ref="openai", external_ref="org-x/unknown", source="b",
                               day=today, cost=Decimal("12.5"), calls=3)  # fmt: skip
    detect(start=today, end=today)
    signal = Signal.objects.get()
    assert signal.kind == SignalKind.UNATTRIBUTED and signal.identity is None
    assert signal.subject == "external:openai:org-x/unknown" and signal.assignee is None
    assert Notification.objects.get().recipient == finance
    detect(start=today, end=today)
    assert Signal.objects.count() == 1


def test_spend_with_no_consumption_owner_falls_back_to_admins(
    usage_world, admin_user, today, unchanged
):
    usage_world["domains"]["consumption"].assignments.all().delete()
    add_series(usage_world["identity"], [5, 5], end=today)
    unchanged()
    detect(start=today - dt.timedelta(days=1), end=today)
    signal = Signal.objects.get()
    assert signal.kind == SignalKind.NO_CONSUMPTION_OWNER and signal.assignee is None
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == [
        admin_user.username
    ]
    # stateful: the next days' sweep adds nothing while it is unresolved
    detect(start=today, end=today)
    assert Signal.objects.count() == 1


def test_sweep_queries_do_not_grow_with_identities(
    usage_world, today, django_assert_max_num_queries
):
    for i in range(30):
        identity = IdentityFactory(team=usage_world["team"], name=f"bulk-{i}")
        add_series(identity, [10] * 12 + [400], end=today)
    with django_assert_max_num_queries(25):
        result = detect(start=today - dt.timedelta(days=2), end=today)
    assert result.created == {SignalKind.SPIKE: 30}


def test_evidence_check_is_evaluated_from_usage(usage_world, today):
    from evidence.checks import FAIL, NOT_EVALUATED, PASS, run_check

    assert run_check("no_usage_after_revocation").status == NOT_EVALUATED
    identity = usage_world["identity"]
    add_series(identity, [1], end=today)
    assert run_check("no_usage_after_revocation").status == PASS
    ended = timezone.now() - dt.timedelta(days=3)
    CredentialFactory(identity=identity, status="revoked", revoked_at=ended,
                      issued_at=ended - dt.timedelta(days=30))  # fmt: skip
    result = run_check("no_usage_after_revocation")
    assert (result.status, result.failing) == (FAIL, [identity.pk])
