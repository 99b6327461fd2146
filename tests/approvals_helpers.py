"""Shortcuts that drive the approvals services into a given state (for other apps' tests)."""

from datetime import timedelta

from approvals.services import request_decide, request_submit
from tests.factories import UserFactory


def _requester(identity):
    user = UserFactory(groups=["engineers"])
    identity.team.group.user_set.add(user)
    return user


def pending_exception(identity, at, *, days=30, scopes=None):
    return request_submit(
        actor=_requester(identity), kind="exception", identity=identity, now=at,
        requested_start=at, requested_end=at + timedelta(days=days),
        justification="legacy client", excepted_policy="rotate every 90 days",
        scope="the deploy key", compensating_controls="IP allow-list", scopes=scopes,
    )  # fmt: skip


def approved_exception(identity, at, *, days=30, scopes=None):
    """An exception approved at `at` by the global A (`owner` from the `governed` fixture),
    covering the runtime `scopes`."""
    from governance.selectors import accountable_for

    request = pending_exception(identity, at, days=days, scopes=scopes)
    approver = accountable_for(identity=identity, domain_key="runtime_policy")
    request_decide(request_id=request.pk, actor=approver, outcome="approve", now=at)
    return request.grant


def emergency(identity, requester, at, *, hours=2):
    identity.team.group.user_set.add(requester)
    request = request_submit(
        actor=requester, kind="emergency", identity=identity, now=at, requested_start=at,
        requested_end=at + timedelta(hours=hours), justification="prod down",
        access_requested="db admin", incident_reference="INC-1",
    )  # fmt: skip
    return request.grant
