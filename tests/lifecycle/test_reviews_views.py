"""Access review pages and API: the permission matrix for every page and endpoint, the
decision flow through the page, bounded queries on the queue and progress pages."""

import datetime as dt

import pytest
from django.utils import timezone

from governance.services import permissions_sync
from identities.choices import IdentityStatus
from lifecycle.models import ReviewItem
from lifecycle.reviews import services
from tests.factories import IdentityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(lifecycle_world, admin_user, owner):
    """An open campaign over two identities, both reviewed by `owner` (the global A)."""
    team = lifecycle_world["team"]
    IdentityFactory(team=team, risk_tier="low", name="report-bot")
    permissions_sync()
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=admin_user, name="Q review", starts_on=today, due_on=today + dt.timedelta(days=14)
    )
    items = {i.identity.name: i for i in campaign.items.select_related("identity")}
    return {"campaign": campaign, "items": items}


def page_urls(review):
    c = review["campaign"].pk
    item = review["items"]["ledger-writer"].pk
    return {
        "list": "/lifecycle/reviews/",
        "queue": "/lifecycle/reviews/queue/",
        "campaign": f"/lifecycle/reviews/{c}/",
        "report": f"/lifecycle/reviews/{c}/report.csv",
        "item": f"/lifecycle/reviews/items/{item}/",
        "new-campaign": "/lifecycle/reviews/new/",
        "new-schedule": "/lifecycle/reviews/schedules/new/",
    }


# persona → expected status per page; owner is the reviewer, engineer has no item.
MATRIX = {
    "admin_user": {"list": 200, "queue": 200, "campaign": 200, "report": 200, "item": 200,
                   "new-campaign": 200, "new-schedule": 200},
    "auditor": {"list": 200, "queue": 200, "campaign": 200, "report": 200, "item": 200,
                "new-campaign": 403, "new-schedule": 403},
    "owner": {"list": 200, "queue": 200, "campaign": 200, "report": 200, "item": 200,
              "new-campaign": 403, "new-schedule": 403},
    "engineer": {"list": 200, "queue": 200, "campaign": 404, "report": 404, "item": 404,
                 "new-campaign": 403, "new-schedule": 403},
    "outsider": {"list": 200, "queue": 200, "campaign": 404, "report": 404, "item": 404,
                 "new-campaign": 403, "new-schedule": 403},
}  # fmt: skip


@pytest.mark.parametrize("page", list(MATRIX["admin_user"]))
@pytest.mark.parametrize("persona", list(MATRIX), indirect=True)
def test_page_permission_matrix(client, review, persona, page, request):
    client.force_login(persona)
    url = page_urls(review)[page]
    expected = MATRIX[request.node.callspec.params["persona"]][page]
    assert client.get(url).status_code == expected


@pytest.mark.parametrize("page", list(MATRIX["admin_user"]))
def test_pages_redirect_anonymous_to_sign_in(client, review, page):
    response = client.get(page_urls(review)[page])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("owner", 302), ("admin_user", 403), ("auditor", 403), ("engineer", 404), ("outsider", 404)],
    indirect=["persona"],
)
def test_only_the_assigned_reviewer_posts_a_decision(client, review, persona, expected):
    client.force_login(persona)
    item = review["items"]["ledger-writer"]
    response = client.post(f"/lifecycle/reviews/items/{item.pk}/", {"decision": "keep"})
    assert response.status_code == expected
    item.refresh_from_db()
    assert (item.decision == "keep") is (expected == 302)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin_user", 302), ("auditor", 403), ("owner", 403), ("engineer", 403)],
    indirect=["persona"],
)
def test_only_admins_reassign(client, review, persona, expected, engineer):
    client.force_login(persona)
    item = review["items"]["ledger-writer"]
    response = client.post(
        f"/lifecycle/reviews/items/{item.pk}/reassign/",
        {"reviewer": engineer.username, "reason": "owner on leave"},
    )
    assert response.status_code == expected


def test_anonymous_cannot_post(client, review):
    item = review["items"]["ledger-writer"]
    assert (
        client.post(f"/lifecycle/reviews/items/{item.pk}/", {"decision": "keep"}).status_code == 302
    )
    assert client.post("/lifecycle/reviews/queue/keep/", {"item": [item.pk]}).status_code == 302


def test_admin_creates_a_campaign_from_the_page(client, lifecycle_world, admin_user):
    client.force_login(admin_user)
    today = timezone.localdate()
    response = client.post("/lifecycle/reviews/new/", {
        "name": "Payments review", "starts_on": today, "due_on": today + dt.timedelta(days=7),
        "reviewer_rule": "A", "overdue_rule": "escalate", "teams": ["payments"],
    })  # fmt: skip
    assert response.status_code == 302
    assert ReviewItem.objects.filter(campaign__name="Payments review").count() == 1
    past = today - dt.timedelta(days=1)
    bad = client.post("/lifecycle/reviews/new/", {"name": "x", "starts_on": today, "due_on": past})
    assert bad.status_code == 400


def test_admin_creates_a_schedule_from_the_page(client, lifecycle_world, admin_user):
    client.force_login(admin_user)
    response = client.post("/lifecycle/reviews/schedules/new/", {
        "name": "Critical quarterly", "cadence_months": 3, "due_after_days": 21,
        "reviewer_rule": "A", "overdue_rule": "suspend", "risk_tiers": ["critical"],
    })  # fmt: skip
    assert response.status_code == 302
    from lifecycle.models import ReviewSchedule

    assert ReviewSchedule.objects.get().scope == {"risk_tiers": ["critical"]}


def test_decide_keep_decommission_and_change_through_the_page(client, review, owner):
    client.force_login(owner)
    items = review["items"]
    keep = client.post(f"/lifecycle/reviews/items/{items['ledger-writer'].pk}/",
                       {"decision": "keep", "comment": "still used"})  # fmt: skip
    assert keep.status_code == 302 and keep["Location"] == "/lifecycle/reviews/queue/"
    no_reason = client.post(f"/lifecycle/reviews/items/{items['report-bot'].pk}/",
                            {"decision": "decommission"})  # fmt: skip
    assert no_reason.status_code == 400
    gone = client.post(f"/lifecycle/reviews/items/{items['report-bot'].pk}/",
                       {"decision": "decommission", "comment": "retired"})  # fmt: skip
    assert gone.status_code == 302
    bot = items["report-bot"].identity
    bot.refresh_from_db()
    assert bot.status == IdentityStatus.DECOMMISSIONED
    again = client.post(f"/lifecycle/reviews/items/{items['report-bot'].pk}/",
                        {"decision": "keep"})  # fmt: skip
    assert again.status_code == 302  # already decided: a message, nothing changes
    report = client.get(f"/lifecycle/reviews/{review['campaign'].pk}/report.csv")
    body = b"".join(report.streaming_content).decode()
    assert "ledger-writer" in body and "keep" in body and "still used" in body
    assert "report-bot" in body and "decommission" in body and "retired" in body


def test_change_redirects_to_an_exception_request(client, review, owner):
    client.force_login(owner)
    item = review["items"]["ledger-writer"]
    response = client.post(f"/lifecycle/reviews/items/{item.pk}/", {
        "decision": "change", "comment": "narrow scopes", "change_via": "request"})  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/approvals/identities/{item.identity_id}/request/exception/"


def test_bulk_keep_from_the_queue(client, review, owner):
    client.force_login(owner)
    ids = [i.pk for i in review["items"].values()]
    response = client.post("/lifecycle/reviews/queue/keep/", {"item": ids, "comment": "ok"})
    assert response.status_code == 302
    assert ReviewItem.objects.filter(decision="keep").count() == 1  # only the low-risk one


def test_queue_page_query_count_is_bounded(client, lifecycle_world, admin_user, owner,
                                           django_assert_max_num_queries):  # fmt: skip
    for n in range(25):
        IdentityFactory(team=lifecycle_world["team"], name=f"bulk-{n}", risk_tier="low")
    today = timezone.localdate()
    services.campaign_create(actor=admin_user, name="Big", starts_on=today,
                             due_on=today + dt.timedelta(days=5))  # fmt: skip
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        response = client.get("/lifecycle/reviews/queue/")
    assert response.content.count(b"bulk-") >= 25


def test_progress_page_query_count_is_bounded(client, lifecycle_world, admin_user, auditor,
                                              django_assert_max_num_queries):  # fmt: skip
    for n in range(25):
        IdentityFactory(name=f"bulk-{n}")
    today = timezone.localdate()
    campaign = services.campaign_create(actor=admin_user, name="Big", starts_on=today,
                                        due_on=today + dt.timedelta(days=5))  # fmt: skip
    client.force_login(auditor)
    with django_assert_max_num_queries(14):
        response = client.get(f"/lifecycle/reviews/{campaign.pk}/")
    assert response.status_code == 200 and b"0 of 26 reviewed" in response.content


def test_item_page_shows_what_the_reviewer_decides_on(client, review, owner):
    client.force_login(owner)
    item = review["items"]["ledger-writer"]
    body = client.get(f"/lifecycle/reviews/items/{item.pk}/").content.decode()
    for text in ("Purpose", "Entitlements", "Credentials", "Owners", "Last used",
                 "Open exceptions and grants", "Timeline", "Record decision"):  # fmt: skip
        assert text in body


# --- API --------------------------------------------------------------------------------
def api_urls(review):
    c = review["campaign"].pk
    item = review["items"]["ledger-writer"].pk
    return {
        "campaigns": "/api/v1/reviews/campaigns/",
        "campaign": f"/api/v1/reviews/campaigns/{c}/",
        "items": "/api/v1/reviews/items/",
        "item": f"/api/v1/reviews/items/{item}/",
        "schedules": "/api/v1/reviews/schedules/",
    }


API_MATRIX = {
    "admin_user": {"campaigns": 200, "campaign": 200, "items": 200, "item": 200, "schedules": 200},
    "auditor": {"campaigns": 200, "campaign": 200, "items": 200, "item": 200, "schedules": 200},
    "owner": {"campaigns": 200, "campaign": 200, "items": 200, "item": 200, "schedules": 200},
    "engineer": {"campaigns": 200, "campaign": 404, "items": 200, "item": 404, "schedules": 200},
    "outsider": {"campaigns": 200, "campaign": 404, "items": 200, "item": 404, "schedules": 200},
}


@pytest.mark.parametrize("endpoint", list(API_MATRIX["admin_user"]))
@pytest.mark.parametrize("persona", list(API_MATRIX), indirect=True)
def test_api_read_permission_matrix(api_client, review, persona, endpoint, request):
    api_client.force_authenticate(persona)
    expected = API_MATRIX[request.node.callspec.params["persona"]][endpoint]
    assert api_client.get(api_urls(review)[endpoint]).status_code == expected


@pytest.mark.parametrize("endpoint", list(API_MATRIX["admin_user"]))
def test_api_refuses_anonymous(api_client, review, endpoint):
    assert api_client.get(api_urls(review)[endpoint]).status_code in (401, 403)


def test_api_lists_only_what_the_user_may_read(api_client, review, engineer, owner):
    api_client.force_authenticate(engineer)
    assert api_client.get("/api/v1/reviews/campaigns/").json()["count"] == 0
    assert api_client.get("/api/v1/reviews/items/").json()["count"] == 0
    assert api_client.get("/api/v1/reviews/schedules/").json()["count"] == 0
    api_client.force_authenticate(owner)
    assert api_client.get("/api/v1/reviews/items/?mine=1&open=1").json()["count"] == 2


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin_user", 201), ("auditor", 403), ("owner", 403), ("engineer", 403)],
    indirect=["persona"],
)
def test_api_only_admins_create_campaigns_and_schedules(api_client, review, persona, expected):
    api_client.force_authenticate(persona)
    today = timezone.localdate()
    campaign = api_client.post("/api/v1/reviews/campaigns/", {
        "name": "API review", "starts_on": str(today),
        "due_on": str(today + dt.timedelta(days=3)), "scope": {"risk_tiers": ["low"]},
    }, format="json")  # fmt: skip
    assert campaign.status_code == expected
    schedule = api_client.post("/api/v1/reviews/schedules/", {"name": "API yearly",
                               "cadence_months": 12}, format="json")  # fmt: skip
    assert schedule.status_code == expected
    if expected == 201:
        assert campaign.json()["total"] == 1 and campaign.json()["status"] == "open"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("owner", 200), ("admin_user", 403), ("auditor", 403), ("engineer", 404), ("outsider", 404)],
    indirect=["persona"],
)
def test_api_decide_permission_matrix(api_client, review, persona, expected):
    api_client.force_authenticate(persona)
    item = review["items"]["ledger-writer"]
    url = f"/api/v1/reviews/items/{item.pk}/decide/"
    response = api_client.post(url, {"decision": "keep", "comment": "ok"}, format="json")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["decision"] == "keep"
        again = api_client.post(url, {"decision": "keep"}, format="json")
        assert again.status_code == 409
        unknown = api_client.post(url, {"decision": "keep", "secret": "x"}, format="json")
        assert unknown.status_code == 400


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin_user", 200), ("auditor", 403), ("owner", 403), ("engineer", 404)],
    indirect=["persona"],
)
def test_api_reassign_permission_matrix(api_client, review, persona, expected, engineer):
    api_client.force_authenticate(persona)
    item = review["items"]["ledger-writer"]
    data = {"reviewer": engineer.pk, "reason": "leave"}
    response = api_client.post(f"/api/v1/reviews/items/{item.pk}/reassign/", data, format="json")
    assert response.status_code == expected


def test_an_auditor_bulk_keep_is_refused_not_redirected(client, review, auditor):
    item = review["items"]["ledger-writer"]
    client.force_login(auditor)
    assert client.post("/lifecycle/reviews/queue/keep/", {"item": [item.pk]}).status_code == 403
    item.refresh_from_db()
    assert item.decision is None or item.decision == ""
