import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.models import Assignment
from governance.services import assignment_remove, assignment_set
from tests.factories import IdentityFactory, PlatformFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def cell_url(domain, kind, obj=None):
    return reverse("governance:matrix-cell", args=[domain.pk, kind, obj.pk if obj else 0])


def test_matrix_shows_explicit_and_inherited_cells(client, admin_user, domains):
    team = TeamFactory(name="Payments")
    PlatformFactory(name="Prod EKS")
    global_a = UserFactory(username="gina-global")
    AssignmentFactory(domain=domains["identity"], assignee_user=global_a)
    AssignmentFactory(
        domain=domains["identity"],
        scope_kind="team",
        team=team,
        role="R",
        assignee_user=UserFactory(username="rita-r"),
    )
    client.force_login(admin_user)
    html = client.get(reverse("governance:matrix")).content.decode()
    assert 'data-source="explicit" data-role="A"' in html
    assert 'data-source="inherited" data-role="A"' in html  # team/platform rows inherit
    assert "Payments" in html and "Prod EKS" in html and "no A" in html


def test_matrix_renders_in_bounded_queries(client, auditor, domains, django_assert_max_num_queries):
    for _ in range(8):
        team = TeamFactory()
        AssignmentFactory(domain=domains["identity"], scope_kind="team", team=team)
        PlatformFactory()
    client.force_login(auditor)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("governance:matrix")).status_code == 200


def test_cell_editor_adds_an_accountable_and_refuses_a_second(client, admin_user, domains):
    team = TeamFactory()
    first, second = UserFactory(), UserFactory()
    client.force_login(admin_user)
    url = cell_url(domains["identity"], "team", team)
    response = client.post(url, {"role": "A", "assignee_user": first.pk, "reason": "named"})
    assert response.status_code == 200
    assert Assignment.objects.get(role="A", team=team).assignee_user == first
    response = client.post(url, {"role": "A", "assignee_user": second.pk, "reason": "again"})
    assert "already has an accountable (A) owner" in response.content.decode()
    assert Assignment.objects.get(role="A", team=team).assignee_user == first
    response = client.post(
        url, {"role": "A", "assignee_user": second.pk, "reason": "handover", "replace": "on"}
    )
    assert Assignment.objects.get(role="A", team=team).assignee_user == second


def test_cell_editor_requires_a_reason_and_refuses_team_as_a(client, admin_user, domains):
    client.force_login(admin_user)
    url = cell_url(domains["identity"], "global")
    html = client.post(url, {"role": "A", "assignee_user": UserFactory().pk}).content.decode()
    assert "This field is required" in html
    team = TeamFactory()
    html = client.post(url, {"role": "A", "assignee_team": team.slug, "reason": "x"}).content
    assert b"one named person" in html
    assert not Assignment.objects.exists()


def test_inactive_user_cannot_be_chosen_as_a(client, admin_user, domains):
    leaver = UserFactory(is_active=False)
    client.force_login(admin_user)
    html = client.post(
        cell_url(domains["identity"], "global"),
        {"role": "A", "assignee_user": leaver.pk, "reason": "x"},
    ).content.decode()
    assert "is deactivated: the A must be an active person" in html
    assert not Assignment.objects.exists()


def test_remove_uses_the_htmx_prompt_as_reason(client, admin_user, domains):
    a = AssignmentFactory(domain=domains["identity"])
    client.force_login(admin_user)
    response = client.post(
        reverse("governance:assignment-remove", args=[a.pk]),
        headers={"HX-Request": "true", "HX-Prompt": "left the company"},
    )
    assert response.status_code == 200
    assert not Assignment.objects.exists()
    record = Assignment.history.filter(id=a.pk, history_type="-").get()
    assert record.history_change_reason == "left the company"


def test_remove_without_reason_is_refused(client, admin_user, domains):
    a = AssignmentFactory(domain=domains["identity"])
    client.force_login(admin_user)
    html = client.post(reverse("governance:assignment-remove", args=[a.pk])).content.decode()
    assert "Give a reason" in html
    assert Assignment.objects.filter(pk=a.pk).exists()


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response).decode())))


def test_csv_export_now_and_as_of_a_past_date(client, admin_user, auditor, domains):
    old_owner, new_owner = UserFactory(username="old-owner"), UserFactory(username="new-owner")
    a = assignment_set(
        actor=admin_user,
        domain=domains["identity"],
        scope_kind="global",
        role="A",
        assignee_user=old_owner,
        reason="first",
    )
    yesterday = timezone.now() - timezone.timedelta(days=1)
    Assignment.history.filter(id=a.pk).update(history_date=yesterday)
    assignment_remove(actor=admin_user, assignment=a, reason="handover")
    assignment_set(
        actor=admin_user,
        domain=domains["identity"],
        scope_kind="global",
        role="A",
        assignee_user=new_owner,
        reason="second",
    )
    client.force_login(auditor)
    rows = _csv(client.get(reverse("governance:matrix-export")))
    assert rows[0][:5] == ["domain", "domain_name", "scope_kind", "scope", "role"]
    assert [r[6] for r in rows[1:]] == ["new-owner"]
    past = (yesterday.date()).isoformat()
    response = client.get(reverse("governance:matrix-export") + f"?as_of={past}")
    assert past in response["Content-Disposition"]
    assert [r[6] for r in _csv(response)[1:]] == ["old-owner"]


def test_owners_panel_shows_source_and_gaps(client, auditor, domains):
    identity = IdentityFactory()
    owner = UserFactory(first_name="Olu", last_name="Owner")
    AssignmentFactory(
        domain=domains["identity"], scope_kind="team", team=identity.team, assignee_user=owner
    )
    client.force_login(auditor)
    html = client.get(reverse("governance:identity-owners", args=[identity.pk])).content.decode()
    assert "Olu Owner" in html and f"from team: {identity.team.name}" in html
    assert "Gap: No accountable owner" in html
    assert "Set an identity-level override" not in html  # auditors read only


def test_admin_sets_an_identity_override_from_the_panel(client, admin_user, domains):
    identity = IdentityFactory()
    person = UserFactory(first_name="Ivy", last_name="Override")
    client.force_login(admin_user)
    url = reverse("governance:identity-owners", args=[identity.pk])
    html = client.post(
        url,
        {
            "domain": "consumption",
            "role": "A",
            "assignee_user": person.pk,
            "reason": "special budget",
        },
    ).content.decode()
    assert "Ivy Override" in html and "from identity" in html
    assert Assignment.objects.get(identity=identity).role == "A"


def test_gaps_page_lists_and_filters(client, auditor, domains, django_assert_max_num_queries):
    team = TeamFactory(slug="growth")
    leaver = UserFactory(username="leaver")
    AssignmentFactory(
        domain=domains["exceptions"], scope_kind="team", team=team, assignee_user=leaver
    )
    leaver.is_active = False
    leaver.save()
    IdentityFactory.create_batch(5, team=team)
    IdentityFactory.create_batch(5)
    client.force_login(auditor)
    # constant: session, roles, the role badge, filters, 7 for gaps (the deactivated users
    # and the domains with no global A, read first: governance.owner_queries; the count; the
    # page's rows and their deactivated A's assignments); on SQLite the navigation badge's
    # query is built per request, one more
    with django_assert_max_num_queries(20):
        response = client.get(reverse("governance:gaps") + "?domain=exceptions&team=growth")
    html = response.content.decode()
    assert "Accountable owner is deactivated" in html
    assert response.context["total"] == 5


def test_dashboard_panel_counts_identities_with_gaps(client, auditor, admin_user, domains):
    identities = IdentityFactory.create_batch(3)
    client.force_login(auditor)
    url = reverse("governance:dashboard-panel")
    assert client.get(url).context["gap_count"] == 3
    for key in domains:
        AssignmentFactory(domain=domains[key], assignee_user=UserFactory())
    assert client.get(url).context["gap_count"] == 0
    assert identities


def test_identity_level_cells_are_hidden_outside_the_readers_scope(client, engineer, admin_user):
    from tests.factories import IdentityFactory
    from tests.governance.factories import AssignmentFactory, default_domains

    domains = default_domains()
    secret = IdentityFactory(name="secret-project-bot")
    AssignmentFactory(domain=domains["identity"], scope_kind="identity", identity=secret, role="A")
    client.force_login(engineer)
    assert "secret-project-bot" not in client.get("/api/v1/ownership/assignments/").content.decode()
    assert "secret-project-bot" not in client.get("/ownership/matrix/export.csv").content.decode()
    client.force_login(admin_user)
    assert "secret-project-bot" in client.get("/api/v1/ownership/assignments/").content.decode()


def test_gaps_page_reads_one_page_and_sorts_by_any_column(client, auditor, domains, monkeypatch):
    """The report counts its gaps in SQL and reads the page shown, in its own order or a
    header's (governance.selectors.GapList)."""
    teams = [TeamFactory(name=f"team {c}") for c in "cab"]
    for n in range(60):
        IdentityFactory(team=teams[n % 3], name=f"gap-{n:03d}")
    leaver = UserFactory()
    AssignmentFactory(
        domain=domains["exceptions"], scope_kind="team", team=teams[2], assignee_user=leaver
    )
    leaver.is_active = False
    leaver.save()  # team b's 20 gaps: a deactivated A, the others none
    client.force_login(auditor)
    url = reverse("governance:gaps") + "?domain=exceptions"
    first = client.get(url)
    assert first.context["total"] == 60 and first.context["identities"] == 60
    names = [row.record.identity.name for row in first.context["table"].page.object_list]
    assert names == [f"gap-{n:03d}" for n in range(len(names))] and 0 < len(names) < 60
    last = client.get(url + f"&page={first.context['table'].paginator.num_pages}")
    assert last.context["table"].page.object_list[-1].record.identity.name == "gap-059"
    from governance.selectors import GapList

    monkeypatch.setattr(GapList, "__iter__", _refuse_to_read_every_gap)
    by_team = client.get(url + "&sort=-team").context["table"].page.object_list
    assert {row.record.identity.team.name for row in by_team[:5]} == {"team c"}
    by_name = client.get(url + "&sort=-identity").context["table"].page.object_list
    assert by_name[0].record.identity.name == "gap-059"
    for order in ("gap", "-gap"):  # by the reason's label, as the column reads
        rows = client.get(url + f"&sort={order}").context["table"].page.object_list
        labels = [row.record.reason_label for row in rows]
        assert labels == sorted(labels, reverse=order.startswith("-")), order
        assert len(set(labels)) == 2, order  # both kinds on the first page: 20 of one
        ties = [row.record.identity.name for row in rows if row.record.reason_label == labels[0]]
        assert ties == sorted(ties)  # then the report's own order


def test_every_sortable_gap_column_sorts_in_sql():
    from governance.selectors import GapList
    from governance.tables import GapTable

    sortable = {column.name for column in GapTable([]).columns if column.orderable}
    assert sortable == set(GapList.SORTS)


def _refuse_to_read_every_gap(self):
    raise AssertionError("the page read every gap")
