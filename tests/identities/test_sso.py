"""SSO claims → roles and teams (identities/sso.py), without a browser; the flow end to end
against a real provider is tests/e2e/test_sso.py."""

import pytest
from django.core.exceptions import PermissionDenied

from core.models import AccountChange
from core.roles import ADMINS, AUDITORS, ENGINEERS
from core.system import system_user
from identities.sso import SSO_REASON, StewardOIDCBackend, user_sync_from_claims
from tests.factories import PASSWORD, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def names(user):
    return set(user.groups.values_list("name", flat=True))


@pytest.fixture
def sso_user(db):
    user = UserFactory(username="pat", password=None)
    user.set_unusable_password()
    user.save()
    return user


def test_groups_claim_maps_roles_and_teams_and_ignores_the_rest(sso_user):
    payments = TeamFactory(slug="payments")
    claims = {
        "groups": ["steward-admins", "team:payments", "team:unknown", "other"],
        "email": "pat@example.com",
        "name": "Pat Lee",
    }
    user_sync_from_claims(user=sso_user, claims=claims)
    assert names(sso_user) == {ADMINS, payments.group.name}
    assert (sso_user.email, sso_user.first_name, sso_user.last_name) == (
        "pat@example.com", "Pat", "Lee",
    )  # fmt: skip


def test_a_group_removed_in_the_idp_is_gone_at_the_next_sign_in(sso_user):
    payments, search = TeamFactory(slug="payments"), TeamFactory(slug="search")
    user_sync_from_claims(
        user=sso_user, claims={"groups": ["steward-admins", "steward-auditors", "team:payments"]}
    )
    user_sync_from_claims(user=sso_user, claims={"groups": ["steward-auditors", "team:search"]})
    assert names(sso_user) == {AUDITORS, search.group.name}
    user_sync_from_claims(user=sso_user, claims={})
    assert names(sso_user) == set()
    assert payments.group.user_set.count() == 0


def test_every_role_and_team_change_from_the_idp_is_an_account_change(sso_user):
    """Like an admin's changes (core.accounts), the sign-in's changes are recorded: who (the
    system actor), what, when and why, one row per group joined or left."""
    TeamFactory(slug="payments", name="Payments")
    user_sync_from_claims(user=sso_user, claims={"groups": ["steward-admins", "team:payments"]})
    user_sync_from_claims(user=sso_user, claims={"groups": ["steward-admins", "team:payments"]})
    user_sync_from_claims(user=sso_user, claims={"groups": ["steward-auditors"]})
    rows = AccountChange.objects.filter(user=sso_user).order_by("occurred_at", "kind", "id")
    assert [(c.kind, c.group_name) for c in rows] == [
        ("joined", "the Admin role"),
        ("joined", "Payments"),  # the second sign-in changed nothing: no rows
        ("joined", "the Auditor role"),
        ("left", "the Admin role"),
        ("left", "Payments"),
    ]
    assert {c.actor for c in rows} == {system_user()}
    assert all(c.reason == SSO_REASON for c in rows)


def test_role_map_is_configurable(sso_user, settings):
    settings.OIDC_ROLE_GROUPS = {"eng": ENGINEERS, "root": "superusers"}  # not a Steward role
    user_sync_from_claims(user=sso_user, claims={"groups": ["eng", "root"]})
    assert names(sso_user) == {ENGINEERS}


def test_sso_never_signs_in_as_a_local_password_account(settings):
    local = UserFactory(username="alice-admin", groups=[ADMINS])
    backend = StewardOIDCBackend.__new__(StewardOIDCBackend)  # no endpoints needed here
    claims = {"preferred_username": "alice-admin", "groups": []}
    assert list(backend.filter_users_by_claims(claims)) == [local]
    with pytest.raises(PermissionDenied):
        backend.update_user(local, claims)
    assert names(local) == {ADMINS}


def test_local_sign_in_can_be_switched_off(client, engineer, settings):
    settings.LOCAL_ACCOUNTS_ENABLED = False
    settings.OIDC_ENABLED = True
    page = client.get("/accounts/login/")
    assert b"Sign in with single sign-on" in page.content
    assert b'name="password"' not in page.content
    credentials = {"username": engineer.username, "password": PASSWORD}
    response = client.post("/accounts/login/", credentials)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_production_refuses_no_way_to_sign_in():
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
             "LOCAL_ACCOUNTS_ENABLED": "false"},
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "OIDC_ENABLED" in result.stderr
