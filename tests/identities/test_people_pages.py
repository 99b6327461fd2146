"""People and their roles in the app: admins grant and revoke roles and deactivate leavers
(through the leaver handling: the ownership they held becomes a gap that the escalation
sweep takes to the next A up); auditors read; the rest are refused; every change is kept."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core import accounts
from core.models import AccountChange, ApiToken, Notification
from core.roles import ADMINS, AUDITORS, ENGINEERS, is_auditor
from core.services import api_token_create
from governance.selectors import identity_owners
from tests.conftest import PERSONAS
from tests.factories import IdentityFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

READERS = {"admin_user": 200, "auditor": 200, "engineer": 403, "owner": 403, "outsider": 403}


# --- services -------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["auditor", "engineer", "owner", "outsider"])
def test_only_admins_change_roles_and_accounts(request, who, engineer):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        accounts.role_grant(actor=actor, user=engineer, role=ADMINS, reason="x")
    with pytest.raises(PermissionDenied):
        accounts.account_deactivate(actor=actor, user=engineer, reason="x")
    engineer.refresh_from_db()
    assert engineer.is_active and not AccountChange.objects.exists()


def test_granting_and_revoking_a_role_is_recorded(admin_user, engineer):
    accounts.role_grant(actor=admin_user, user=engineer, role=AUDITORS, reason="SOX audit")
    engineer = type(engineer).objects.get(pk=engineer.pk)  # no cached groups
    assert is_auditor(engineer)
    accounts.role_revoke(actor=admin_user, user=engineer, role=AUDITORS, reason="audit done")
    assert not engineer.groups.filter(name=AUDITORS).exists()
    changes = AccountChange.objects.order_by("id")
    assert list(changes.values_list("kind", "group_name", "reason")) == [
        ("joined", "the Auditor role", "SOX audit"),
        ("left", "the Auditor role", "audit done"),
    ]
    with pytest.raises(ValidationError, match="Choose one of"):
        accounts.role_grant(actor=admin_user, user=engineer, role="superusers", reason="x")


def test_an_admin_cannot_lock_out_the_last_admin_or_themselves(admin_user):
    with pytest.raises(ValidationError, match="yourself"):
        accounts.account_deactivate(actor=admin_user, user=admin_user, reason="oops")
    with pytest.raises(ValidationError, match="yourself"):
        accounts.role_revoke(actor=admin_user, user=admin_user, role=ADMINS, reason="oops")
    other = UserFactory(username="ada-admin", groups=[ADMINS])
    accounts.role_revoke(actor=admin_user, user=other, role=ADMINS, reason="left the team")
    assert not other.groups.filter(name=ADMINS).exists()


def test_a_deactivated_owner_is_a_gap_escalated_to_the_next_a_up(
    governed, admin_user, owner, engineer
):
    """The leaver handling: an identity whose team A is deactivated has a gap at once, and
    the escalation sweep tells the global A (the next one up); the leaver's tokens stop."""
    from lifecycle.sweeps import escalation_sweep

    team = TeamFactory(members=[engineer])
    identity = IdentityFactory(team=team, status="active")
    leaver = UserFactory(username="lee-leaver", groups=[ENGINEERS])
    AssignmentFactory(domain=governed["identity"], scope_kind="team", team=team, role="A",
                      assignee_user=leaver)  # fmt: skip
    token, _raw = api_token_create(user=leaver, name="ci", days=10)
    assert not identity_owners(identity=identity)["identity"].is_gap

    accounts.account_deactivate(actor=admin_user, user=leaver, reason="left the company")

    leaver.refresh_from_db()
    assert not leaver.is_active
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert identity_owners(identity=identity)["identity"].is_gap
    escalation_sweep(now=timezone.now())
    told = Notification.objects.filter(kind="ownership_gap:identity", subject_id=identity.pk)
    assert list(told.values_list("recipient", flat=True)) == [owner.pk]
    change = AccountChange.objects.get(user=leaver)
    assert (change.kind, change.actor, change.reason) == (
        "deactivated",
        admin_user,
        "left the company",
    )
    with pytest.raises(ValidationError, match="already deactivated"):
        accounts.account_deactivate(actor=admin_user, user=leaver, reason="again")


# --- pages ----------------------------------------------------------------------------------
@pytest.mark.parametrize("who", PERSONAS)
def test_people_pages_by_persona(client, request, who, engineer):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("identities:people")).status_code == READERS[who]
    person = reverse("identities:person", args=[engineer.pk])
    assert client.get(person).status_code == READERS[who]
    data = {"action": "grant", "grant-role": ADMINS, "grant-reason": "promote"}
    assert client.post(person, data).status_code == (302 if who == "admin_user" else 403)
    assert engineer.groups.filter(name=ADMINS).exists() == (who == "admin_user")


def test_auditors_see_people_without_any_form(client, auditor, engineer):
    client.force_login(auditor)
    html = client.get(reverse("identities:person", args=[engineer.pk])).content.decode()
    assert "Engineer" in html and '<form method="post" class="stack"' not in html


def test_admin_deactivates_a_leaver_on_the_person_page(client, admin_user, engineer):
    client.force_login(admin_user)
    url = reverse("identities:person", args=[engineer.pk])
    refused = client.post(url, {"action": "deactivate", "deactivate-reason": ""})
    assert refused.status_code == 422 and "This field is required" in refused.content.decode()
    done = client.post(url, {"action": "deactivate", "deactivate-reason": "left the company"})
    assert done.status_code == 302
    engineer.refresh_from_db()
    assert not engineer.is_active
    page = client.get(url).content.decode()
    assert "Deactivated" in page and "left the company" in page and "Reactivate" in page


def test_a_refused_change_is_shown_on_its_form(client, admin_user):
    client.force_login(admin_user)
    url = reverse("identities:person", args=[admin_user.pk])
    response = client.post(url, {"action": "deactivate", "deactivate-reason": "bye"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "You cannot deactivate yourself" in html and 'value="bye"' in html


def test_people_list_filters_and_stays_within_its_query_bound(
    client, admin_user, django_assert_max_num_queries
):
    for n in range(30):
        UserFactory(username=f"pat-{n}", groups=[ENGINEERS], is_active=n % 3 != 0)
    TeamFactory(name="Search", members=[UserFactory(username="pat-search")])
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("identities:people"), {"q": "pat", "active": "no"})
    html = response.content.decode()
    assert "pat-0" in html and 'pat-1"' not in html
    search = client.get(reverse("identities:people"), {"q": "pat-search"}).content.decode()
    assert "Search" in search


@pytest.mark.parametrize("who", PERSONAS)
def test_the_ownership_a_person_holds_is_shown_to_directory_readers(
    client, request, who, governed, owner
):
    client.force_login(request.getfixturevalue(who))
    url = reverse("governance:assignments-panel", args=["person", owner.pk])
    response = client.get(url)
    assert response.status_code == READERS[who]
    if response.status_code == 200:
        html = response.content.decode()
        assert html.count("Accountable") == len(governed) and "Identity (IAM)" in html


def test_a_deactivated_a_shows_as_a_gap_on_the_team_panel(client, admin_user, governed):
    team = TeamFactory(name="Payments")
    leaver = UserFactory(username="lee-leaver", is_active=False)
    AssignmentFactory(domain=governed["identity"], scope_kind="team", team=team, role="A",
                      assignee_user=leaver)  # fmt: skip
    client.force_login(admin_user)
    html = client.get(reverse("governance:assignments-panel", args=["team", team.pk])).content
    assert b"gap: deactivated" in html
    assert (
        client.get(reverse("governance:assignments-panel", args=["x", team.pk])).status_code == 404
    )


def test_the_person_page_stays_within_its_query_bound(
    client, admin_user, engineer, django_assert_max_num_queries
):
    for n in range(10):
        accounts.membership_add(
            actor=admin_user, user=engineer, group=TeamFactory().group, reason=f"team {n}"
        )
    client.force_login(admin_user)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("identities:person", args=[engineer.pk])).status_code == 200


def test_single_sign_on_people_are_flagged_as_managed_by_the_identity_provider(
    client, settings, admin_user
):
    settings.OIDC_ENABLED = True
    sso = UserFactory(username="sam-sso")
    sso.set_unusable_password()
    sso.save()
    client.force_login(admin_user)
    html = client.get(reverse("identities:person", args=[sso.pk])).content.decode()
    assert "identity provider" in html
    local = client.get(reverse("identities:person", args=[admin_user.pk])).content.decode()
    assert "identity provider" not in local
