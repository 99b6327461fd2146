"""Lists of 100,000 rows: pages count exactly up to a bound and say "1,000+" past it (the pager
goes on while rows are left); the API counts exactly up to its threshold and gives the
planner's estimate past it; a trigram index serves the identity search."""

import pytest
from django.db import connection

from core.pagination import BoundedCountPaginator, EstimatedCountPaginator, planner_rows
from identities.filtersets import IdentityFilterSet
from identities.models import Credential, Identity
from tests.factories import CredentialFactory, IdentityFactory

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL")


@pytest.fixture
def identities():
    return IdentityFactory.create_batch(12)


def test_count_is_exact_up_to_the_threshold(identities):
    paginator = EstimatedCountPaginator(Identity.objects.order_by("pk"), 5)
    paginator.exact_up_to = 12
    assert paginator.count == 12 and not paginator.count_is_estimate
    assert [i.pk for i in paginator.page(3).object_list] == [i.pk for i in identities[10:]]


@postgres_only
def test_past_the_threshold_the_count_is_the_planner_estimate(identities):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE identities_identity")
    paginator = EstimatedCountPaginator(Identity.objects.order_by("pk"), 5)
    paginator.exact_up_to = 3
    assert paginator.count_is_estimate is False
    assert paginator.count == max(planner_rows(Identity.objects.all()), 4)
    assert paginator.count_is_estimate is True
    assert len(paginator.page(2).object_list) == 5


@postgres_only
def test_estimate_never_says_fewer_than_were_counted(identities):
    paginator = EstimatedCountPaginator(Identity.objects.filter(name__startswith="zzz-none"), 5)
    paginator.exact_up_to = -1  # force the estimate: the planner says 1 row at least
    assert paginator.count >= 0 and paginator.count_is_estimate


def test_bounded_count_is_exact_up_to_the_bound(identities):
    paginator = BoundedCountPaginator(Identity.objects.order_by("pk"), 5)
    paginator.count_up_to = 12
    assert paginator.count == 12 and not paginator.count_is_bounded
    assert paginator.num_pages == 3


def test_past_the_bound_pages_go_on_while_rows_are_left(identities):
    ordered = Identity.objects.order_by("pk")
    paginator = BoundedCountPaginator(ordered, 5)
    paginator.count_up_to = 4
    page = paginator.page(1)
    assert paginator.count_is_bounded and paginator.shown_count == 5 and page.has_next()
    paginator = BoundedCountPaginator(ordered, 5)  # a deep page counts up to its own end
    paginator.count_up_to = 4
    page = paginator.page(2)
    assert paginator.count_is_bounded and paginator.shown_count == 10 and page.has_next()
    paginator = BoundedCountPaginator(ordered, 5)
    paginator.count_up_to = 4
    page = paginator.page(3)  # the last two: counted exactly
    assert not paginator.count_is_bounded and paginator.count == 12 and not page.has_next()
    assert [i.pk for i in page.object_list] == [i.pk for i in identities[10:]]


def test_list_page_says_the_bound_and_pages_on(
    client, admin_user, identities, monkeypatch, django_assert_max_num_queries
):
    client.force_login(admin_user)
    monkeypatch.setattr("core.tables.PER_PAGE", 5)
    monkeypatch.setattr(BoundedCountPaginator, "count_up_to", 5)
    with django_assert_max_num_queries(12):
        body = client.get("/identities/").content.decode()
    assert "5+ identities" in body and "Page 1<" in body and 'rel="next"' in body
    body = client.get("/identities/?page=2").content.decode()
    assert "10+ identities" in body and "Page 2<" in body and 'rel="prev"' in body
    body = client.get("/identities/?page=3").content.decode()
    assert "12 identities" in body and "Page 3 of 3<" in body and 'rel="next"' not in body
    monkeypatch.setattr(BoundedCountPaginator, "count_up_to", 1_000)
    body = client.get("/identities/").content.decode()
    assert "+ identities" not in body and "12 identities" in body


def test_list_api_says_whether_the_count_is_estimated(
    api_client, admin_user, identities, monkeypatch
):
    api_client.force_authenticate(admin_user)
    data = api_client.get("/api/v1/identities/").json()
    assert (data["count"], data["count_is_estimate"]) == (12, False)
    monkeypatch.setattr(EstimatedCountPaginator, "exact_up_to", 3)
    data = api_client.get("/api/v1/identities/?page_size=5").json()
    assert data["count_is_estimate"] is (connection.vendor == "postgresql")
    assert len(data["results"]) == 5 and data["next"]


@postgres_only
def test_the_identity_search_can_use_the_trigram_index(identities):
    # unordered: with a dozen rows the planner walks the list-order index instead
    qs = IdentityFilterSet({"q": "ledger"}, queryset=Identity.objects.all()).qs.order_by()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert "identity_search_trgm" in plan


@postgres_only
@pytest.mark.django_db
def test_every_credential_in_its_default_order_is_read_from_an_index():
    # the admin's credential list (API and pages) at 300,000 credentials: 50 rows read in
    # order, not all of them sorted (tests/bench)
    CredentialFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Credential.objects.all()[:50].explain()
    assert "credential_list_order" in plan and "Sort" not in plan
