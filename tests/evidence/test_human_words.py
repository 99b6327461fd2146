"""No page shows a stored choice value or a bare foreign-key id where a name exists: the
identity page with its panels, the request pages, the evidence pages and the audit browser,
on data whose choice values all differ from their labels (service_account, active_at_once,
break-glass emergency access) and whose history changed foreign keys (team, assignee)."""

import re

import pytest

from governance.services import assignment_remove, assignment_set
from identities.services import identity_update
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

RAW = [
    # choice values whose labels differ
    "service_account", "ai_agent", "api_key", "active_at_once", "needs_approval",
    "break_glass", "request_submitted", "request_decided", "grant_activated", "grant_revoked",
    "credential_issued", "status_changed", "runtime_policy", "decommissioned_at",
]  # fmt: skip
BARE_IDS = re.compile(r"\b(assignee_user|assignee_team|team|platform|identity|domain|decider|"
                      r"requester|approver_domain)\s*:\s*\d+\b")  # fmt: skip
TAG = re.compile(r"<[^>]*>")
# A control domain's key is its identifier (a slug admins choose, like an external id), shown
# as is where the audit browser lists a domain's own fields (domains re-seeded after another
# test's flush have such history rows).
IDENTIFIERS = re.compile(r"\bkey\s*:\s*[a-z_]+", re.IGNORECASE)


def visible_text(html: bytes) -> str:
    """What a reader sees: the text between tags (values in attributes and URLs are not)."""
    return re.sub(r"\s+", " ", TAG.sub(" ", html.decode()))


@pytest.fixture
def changed(scenario, admin_user, owner):
    """Foreign keys changed in history: the identity moved team, an R assigned then removed."""
    identity = scenario.identity
    identity_update(actor=admin_user, identity=identity, team=TeamFactory(name="Ledger"),
                    reason="moved to the ledger team")  # fmt: skip
    bob = UserFactory(username="bob-r", first_name="Bob", last_name="Reyes")
    assignment = assignment_set(actor=admin_user, domain=scenario.emergency.evaluation.policy
                                .approver_domain, scope_kind="identity", scope_obj=identity,
                                role="R", assignee_user=bob, reason="on call")  # fmt: skip
    assignment_remove(actor=admin_user, assignment=assignment, reason="rota ended")
    return scenario


def pages(s) -> list[str]:
    i = s.identity.pk
    return [
        f"/identities/{i}/",
        f"/identities/{i}/timeline/",
        f"/identities/{i}/history/",
        f"/approvals/panels/identity/{i}/",
        f"/lifecycle/panels/identity/{i}/",
        f"/ownership/identities/{i}/owners/",
        f"/approvals/requests/{s.emergency.pk}/",
        f"/approvals/requests/{s.exception.pk}/",
        f"/approvals/requests/{s.onboarding.pk}/",
        "/approvals/?box=all&status=approved&status=pending",
        "/evidence/",
        "/evidence/audit/",
        "/evidence/audit/?model=governance.assignment",
        "/evidence/audit/?model=identities.identity",
        "/evidence/audit/?model=approvals.request",
        "/evidence/posture/",
    ]


def test_no_page_shows_a_raw_choice_value_or_a_bare_id(client, admin_user, changed):
    client.force_login(admin_user)  # reads every page and panel
    found = {}
    for url in pages(changed):
        response = client.get(url)
        assert response.status_code == 200, url
        text = IDENTIFIERS.sub(" ", visible_text(response.content))
        raw = [value for value in RAW if re.search(rf"\b{value}\b", text)]
        raw += BARE_IDS.findall(text)
        if raw:
            found[url] = raw
    assert found == {}, found


def test_the_audit_browser_names_what_a_changed_foreign_key_points_to(client, auditor, changed):
    client.force_login(auditor)
    text = visible_text(client.get("/evidence/audit/?model=governance.assignment").content)
    assert "Bob Reyes" in text or "bob-r" in text
    text = visible_text(client.get("/evidence/audit/?model=identities.identity").content)
    assert "Ledger" in text and "Payments" in text


def test_the_check_catches_a_raw_value():
    """The detector itself: a raw value and a bare id are found, a label is not."""
    text = visible_text(b'<td data-kind="ai_agent">AI agent</td><td>assignee_user: 2</td>')
    assert not [v for v in RAW if re.search(rf"\b{v}\b", text)]
    assert BARE_IDS.findall(text) == ["assignee_user"]
    assert re.search(r"\bservice_account\b", visible_text(b"<td>service_account</td>"))


def named(user) -> str:
    """How every page names a person: the full name, the username on hover."""
    return f'<span class="person" title="{user.username}">{user.get_full_name()}</span>'


@pytest.mark.parametrize(
    "page",
    ["request", "request_owners", "audit_requests", "audit_grants", "access_evidence"],
)
def test_pages_name_people_by_full_name_with_the_username_on_hover(
    client, auditor, engineer, owner, scenario, page
):
    url = {
        "request": f"/approvals/requests/{scenario.exception.pk}/",  # requester, decider, history
        "request_owners": f"/ownership/identities/{scenario.identity.pk}/owners/",
        "audit_requests": "/evidence/audit/?model=approvals.request",
        "audit_grants": "/evidence/audit/?model=approvals.grant",
        "access_evidence": "/evidence/",  # requester, approvers, owner then
    }[page]
    client.force_login(auditor)
    html = client.get(url).content.decode()
    people = {"request": [engineer, owner], "request_owners": [owner],
              "audit_requests": [engineer, owner], "audit_grants": [owner],
              "access_evidence": [engineer, owner]}[page]  # fmt: skip
    for person in people:
        assert person.get_full_name() and named(person) in html, (page, person.username)
    # the persona's username appears in the page only in a title (and reasons people wrote)
    assert f">{engineer.username}<" not in html and f">{owner.username}<" not in html
