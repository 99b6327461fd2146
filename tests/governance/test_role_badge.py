"""The role badge in the top bar says what the person is: an owner is not an "Engineer"
(governance.selectors.role_label, wired in as STEWARD_ROLE_LABEL)."""

import re

import pytest

from core.roles import ENGINEERS
from tests.factories import PlatformFactory, UserFactory
from tests.governance.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def badge(client, user) -> str:
    client.force_login(user)
    html = client.get("/").content.decode()
    return re.search(r'class="nav-link role"><span class="badge">([^<]*)<', html).group(1)


def test_badge_names_the_role_the_person_has(
    client, governed, admin_user, owner, auditor, engineer
):
    finance = UserFactory(username="fran-finance", groups=[ENGINEERS])
    AssignmentFactory(domain=governed["consumption"], scope_kind="platform",
                      platform=PlatformFactory(), role="R", assignee_user=finance)  # fmt: skip
    # Consulted and informed are not ownership: the auditor stays an auditor.
    AssignmentFactory(domain=governed["identity"], scope_kind="global", role="I",
                      assignee_user=auditor)  # fmt: skip
    seen = {u.username: badge(client, u) for u in (admin_user, owner, auditor, finance, engineer)}
    assert seen == {
        admin_user.username: "Admin",
        owner.username: "Owner",  # the A of every domain, an engineer by group
        auditor.username: "Auditor",
        finance.username: "Finance",  # owns consumption oversight only
        engineer.username: "Engineer",
    }


def test_api_me_names_the_same_role_as_the_badge(client, governed, owner, engineer):
    for user, role in ((owner, "Owner"), (engineer, "Engineer")):
        client.force_login(user)
        assert client.get("/api/v1/me/").json()["role"] == role
