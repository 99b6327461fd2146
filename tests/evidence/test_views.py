"""Auditors and admins read and export everything and change nothing; others get 403,
anonymous visitors the sign-in page."""

import pytest
from django.db import connection
from django.urls import reverse

from evidence.verification import record_verification
from tests.conftest import PERSONAS
from tests.url_walk import all_urls

pytestmark = pytest.mark.django_db

PAGES = [url for name, url in all_urls() if name.startswith("evidence:")]
PAGES = sorted({u.replace("/x.x", "/access.csv") for u in PAGES})
PUBLISHED = "/evidence/bundle-key.pub"  # the bundle-signing public key: anyone (test_bundle.py)
VERIFY = "/evidence/audit/verify/"  # "verify now": a POST for readers (test_chain_verification.py)
READ_PAGES = [u for u in PAGES if u not in (PUBLISHED, VERIFY)]
API = ["/api/v1/evidence/chain/", "/api/v1/evidence/posture/", "/api/v1/evidence/access/"]
READERS = {"admin_user", "auditor"}


def test_the_walk_finds_every_evidence_page():
    assert {
        "/evidence/",
        "/evidence/audit/",
        "/evidence/posture/",
        "/evidence/bundle.zip",
        "/evidence/exports/access.csv",
        "/evidence/panels/summary/",
    } <= set(PAGES)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("url", READ_PAGES)
def test_pages_by_role(scenario, client, persona, url):
    client.force_login(persona)
    response = client.get(url)
    if url == "/evidence/panels/summary/":
        assert response.status_code == 200
        assert bool(response.content.strip()) == (
            persona.username in ("alice-admin", "dana-auditor")
        )
        return
    expected = 200 if persona.groups.filter(name__in=["admins", "auditors"]).exists() else 403
    assert response.status_code == expected, url


@pytest.mark.parametrize("url", READ_PAGES)
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("url", API)
def test_api_by_role(scenario, api_client, persona, url):
    api_client.force_authenticate(persona)
    response = api_client.get(url)
    readers = persona.groups.filter(name__in=["admins", "auditors"]).exists()
    assert response.status_code == (200 if readers else 403)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", PAGES + API)
def test_auditors_change_nothing(scenario, client, auditor, method, url):
    from evidence.models import LedgerEntry

    before = LedgerEntry.objects.count()
    client.force_login(auditor)
    response = getattr(client, method)(url)
    asks_a_worker = (url, method) == (VERIFY, "post")  # changes no record (see its tests)
    assert response.status_code in ((302,) if asks_a_worker else (403, 405)), (method, url)
    assert LedgerEntry.objects.count() == before


def test_index_shows_the_four_answers_and_the_chain(scenario, client, auditor):
    record_verification()
    client.force_login(auditor)
    response = client.get(reverse("evidence:index"), {"kind": "exception"})
    html = response.content.decode()
    assert "A of Runtime policy" in html and "SHA256:abc123" in html and "expired" in html
    assert "exception v1" in html
    assert 'data-testid="chain-status"' in html and "intact" in html


def test_audit_browser_filters_and_diffs(scenario, client, auditor, owner):
    client.force_login(auditor)
    grant = scenario.emergency_grant
    response = client.get(
        reverse("evidence:audit"),
        {"model": "approvals.grant", "object": grant.pk, "actor": owner.username},
    )
    changes = response.context["changes"]
    assert changes and all(c.object_id == grant.pk and c.actor == owner for c in changes)
    revoked = next(c for c in changes if c.kind == "~")
    assert ("status", "Active", "Revoked") in revoked.diffs
    assert revoked.reason.startswith("grant revoked")
    everything = client.get(reverse("evidence:audit")).context["changes"]
    assert len({c.model for c in everything}) > 3


def test_audit_browser_query_count(scenario, client, auditor, django_assert_max_num_queries):
    client.force_login(auditor)
    from evidence.selectors import audit_models

    record_verification()
    client.get(reverse("evidence:audit"))  # warm the per-process caches
    # A query per history table (the merged page), the previous versions and labels of the
    # tables on the page, and the page's own: bounded by the governed models, not the rows.
    with django_assert_max_num_queries(len(audit_models()) + 25):
        client.get(reverse("evidence:audit"))


def test_posture_lists_every_framework_and_not_evaluated_checks(scenario, client, auditor):
    record_verification()
    client.force_login(auditor)
    response = client.get(reverse("evidence:posture"))
    rows = {(p.control.framework, p.control.ref_id): p for p in response.context["controls"]}
    assert {
        ("NIST-CSF-2.0", "GV.RR-02"),
        ("OWASP-NHI-2025", "NHI1"),
        ("OWASP-NHI-2025", "NHI10"),
        ("CSA-MAESTRO", "L7"),
    } <= set(rows)
    assert rows[("NIST-CSF-2.0", "DE.CM-03")].status == "not_evaluated"
    assert rows[("NIST-CSF-2.0", "GV.RR-02")].status == "pass"
    assert rows[("NIST-CSF-2.0", "PR.PS-04")].status == "pass"


def test_deep_pages_are_capped(client, auditor):
    client.force_login(auditor)
    for url in ("/evidence/?page=99999999", "/evidence/audit/?page=99999999"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["page"] == 200


def test_audit_browser_shows_names_not_ids_and_what_was_deleted(governed, client, auditor):
    from tests.factories import TeamFactory, UserFactory
    from tests.governance.factories import AssignmentFactory

    team = TeamFactory(name="Payments Core", slug="payments-core")
    person = UserFactory(username="rio-r", first_name="Rio", last_name="Responsible")
    assignment = AssignmentFactory(
        domain=governed["runtime_policy"],
        scope_kind="team",
        team=team,
        role="R",
        assignee_user=person,
    )
    pk = assignment.pk
    assignment.delete()
    client.force_login(auditor)
    response = client.get(
        reverse("evidence:audit"), {"model": "governance.assignment", "object": pk}
    )
    changes = {c.kind: c for c in response.context["changes"]}
    created, deleted = changes["+"], changes["-"]
    assert ("team", None, "Payments Core") in created.diffs
    assert ("assignee user", None, "Rio Responsible") in created.diffs
    assert ("role", None, "Responsible") in created.diffs  # the choice's label
    # A deletion shows what was deleted, not "no field changes".
    assert ("team", "Payments Core", None) in deleted.diffs
    assert ("assignee user", "Rio Responsible", None) in deleted.diffs
    html = response.content.decode()
    assert "no field changes" not in html
    assert f"team</strong>: <ins>{team.pk}</ins>" not in html
    assert "<del>Payments Core</del>" in html and "<ins>Rio Responsible</ins>" in html


def test_access_evidence_page_query_count(scenario, client, auditor, django_assert_max_num_queries):
    client.force_login(auditor)
    record_verification()
    client.get(reverse("evidence:index"))  # warm the per-process caches
    # The export's page of rows (requests, decisions, credentials, owners) and the page's
    # own: bounded by the export's queries, not by the rows on the page. On SQLite the page's
    # decisions and credentials are two more reads (evidence.exports.access.access_rows).
    bound = 10 if connection.vendor == "postgresql" else 12
    with django_assert_max_num_queries(bound):  # 7 measured on PostgreSQL
        response = client.get(reverse("evidence:index"), {"kind": "exception"})
    assert response.context["table"].rows


def test_access_evidence_pages_are_windows_of_the_export(scenario, client, auditor, monkeypatch):
    """Each page is its window of the export's rows, in the export's order (read by LIMIT and
    OFFSET, not by streaming the whole export), and offers a next page only while rows remain."""
    from evidence import views
    from evidence.exports import EXPORTS

    monkeypatch.setattr(views, "PAGE", 2)
    client.force_login(auditor)
    exported = [r["request_id"] for r in EXPORTS["access"].rows({}, auditor)]
    assert len(exported) == 3
    shown, nexts = [], []
    for page in (1, 2):
        table = client.get(reverse("evidence:index"), {"page": page}).context["table"]
        shown += [row.record["request_id"] for row in table.rows]
        nexts.append(table.uncounted_page["has_next"])
    assert shown == exported and nexts == [True, False]


def test_the_access_evidence_api_pages_by_offset_in_the_export_order(
    scenario, client, auditor, monkeypatch
):
    from evidence.api import views as api_views
    from evidence.exports import EXPORTS

    monkeypatch.setattr(api_views, "MAX_ROWS", 2)
    client.force_login(auditor)
    exported = [r["request_id"] for r in EXPORTS["access"].rows({}, auditor)]
    first = client.get("/api/v1/evidence/access/").json()
    second = client.get("/api/v1/evidence/access/", {"offset": first["next_offset"]}).json()
    assert (first["next_offset"], second["next_offset"]) == (2, None)
    assert [r["request_id"] for r in first["results"] + second["results"]] == exported


def test_each_uncounted_list_says_the_order_it_shows(scenario, client, auditor):
    """Access evidence is the export's rows, oldest request first; the audit browser shows
    the newest change first. Each says so above its rows."""
    client.force_login(auditor)
    access = client.get(reverse("evidence:index"))
    ids = [row.record["request_id"] for row in access.context["table"].rows]
    assert ids == sorted(ids) and b"Requests, oldest first" in access.content
    assert b", newest first" in client.get(reverse("evidence:audit")).content
