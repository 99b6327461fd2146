"""`Prepared`: a query compiled once answers as the ORM would for every call's values, and
falls back to the ORM when a marker does not reach the SQL unchanged."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.prepared import MARK_DATETIME, MARK_TEXT, Prepared

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def people():
    now = timezone.now()
    for name, days in (("alice", 1), ("bob", 10), ("carol", 100)):
        User.objects.create(username=name, date_joined=now - dt.timedelta(days=days))
    return now


class Counting:
    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self, **values):
        self.calls += 1
        return self.build(**values)


def joined(*, username, since):
    return (
        User.objects.filter(username=username, date_joined__gte=since, is_active=True)
        .order_by("pk")
        .values_list("username", "is_active")
    )


def test_rows_equal_the_orm_for_each_call_and_it_is_built_once(people):
    build = Counting(joined)
    prepared = Prepared(build, username=f"{MARK_TEXT}-u", since=MARK_DATETIME)
    for name in ("alice", "bob", "carol", "nobody"):
        for days in (5, 50, 500):
            values = {"username": name, "since": people - dt.timedelta(days=days)}
            with CaptureQueriesContext(connection) as captured:
                assert prepared.rows(**values) == list(joined(**values))
            assert len(captured) == 2  # the prepared query, then the ORM's own
    # the marked build only; SQLite adapts datetimes to text, so there the ORM builds each
    # call's query (core.prepared's docstring)
    assert build.calls == (1 if connection.vendor == "postgresql" else 1 + 4 * 3)


def test_a_marker_changed_on_its_way_to_sql_falls_back_to_the_orm(people):
    def lowered(*, username, since):  # the marker never reaches the SQL as given
        return joined(username=username.lower(), since=since)

    build = Counting(lowered)
    prepared = Prepared(build, username=f"{MARK_TEXT}-U", since=MARK_DATETIME)
    week_ago = people - dt.timedelta(days=7)
    assert prepared.rows(username="ALICE", since=week_ago) == [("alice", True)]
    assert prepared.rows(username="BOB", since=week_ago) == []
    assert build.calls == 3  # the marked build, then one per call
