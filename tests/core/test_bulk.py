"""core.bulk's set-based inserts and the governed history manager built on them: the rows
they write, the primary keys they return, and the one signal that tells the ledger."""

import pytest
from django.utils import timezone

from core.bulk import id_list, insert_rows
from core.signals import rows_inserted
from evidence.models import PendingEntry
from identities.models import Identity, LifecycleEvent
from identities.timeline import EVENT_FIELDS
from tests.factories import IdentityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    seen = []

    def receiver(sender, pks, **kwargs):
        seen.append((sender, list(pks)))

    rows_inserted.connect(receiver, dispatch_uid="test-bulk-announced")
    yield seen
    rows_inserted.disconnect(dispatch_uid="test-bulk-announced")


def test_insert_rows_returns_pks_in_row_order_and_announces_them(announced):
    identity, actor, now = IdentityFactory(), UserFactory(), timezone.now()
    rows = [
        (identity.pk, "imported", now, actor.pk, f"event {n}", None, "", None, {"n": n})
        for n in (3, 1, 2)
    ]
    pks = insert_rows(LifecycleEvent, EVENT_FIELDS, rows)
    assert [LifecycleEvent.objects.get(pk=pk).details for pk in pks] == [
        {"n": 3},
        {"n": 1},
        {"n": 2},
    ]
    assert (LifecycleEvent, pks) in announced
    assert set(
        PendingEntry.objects.filter(source="identities.lifecycleevent").values_list(
            "record_pk", flat=True
        )
    ) >= set(pks)


def test_governed_bulk_history_writes_simple_history_s_rows(announced):
    identity, actor = IdentityFactory(), UserFactory()
    identity.status = "suspended"
    pks = Identity.history.bulk_history_create(
        [identity], update=True, default_user=actor, default_change_reason="paused"
    )
    row = Identity.history.get(pk=pks[0])
    assert (row.id, row.status, row.name, row.entitlements) == (
        identity.pk,
        "suspended",
        identity.name,
        identity.entitlements,
    )
    assert (row.history_type, row.history_user_id, row.history_change_reason) == (
        "~",
        actor.pk,
        "paused",
    )
    assert (Identity.history.model, pks) in announced


def test_id_list_filters_as_the_list_does():
    ids = [IdentityFactory().pk for _ in range(3)]
    picked = set(Identity.objects.filter(pk__in=id_list(ids[:2])).values_list("pk", flat=True))
    assert picked == set(ids[:2])


def test_only_values_stored_unchanged_are_hashed_as_sent():
    """The ledger hashes a sent value instead of the stored one only when the column keeps it
    as is: not a bool in an integer column, an enum member, a naive time or JSON."""
    import datetime as dt

    from core.bulk import _exact
    from identities.choices import EventKind

    field = LifecycleEvent._meta.get_field
    aware = dt.datetime(2026, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert _exact(field("summary"), ["a ", "", None]) and _exact(field("actor"), [1, None])
    assert _exact(field("occurred_at"), [aware, None])
    assert not _exact(field("actor"), [True]) and not _exact(field("kind"), [EventKind.IMPORTED])
    assert not _exact(field("occurred_at"), [aware.replace(tzinfo=None)])
    assert _exact(field("details"), [{"n": 1, "ok": True, "l": ["a", None]}, {}])
    for unplain in ({"n": 1.5}, {"k": EventKind.IMPORTED}, {"t": (1,)}, {1: "a"}):
        assert not _exact(field("details"), [{}, unplain]), unplain


def test_json_hashed_as_sent_hashes_as_the_ledger_reads_it_back():
    """Plain JSON is hashed as sent (not returned and parsed); anything else as stored. Both
    digests equal those of the rows read back, which the ledger's verification recomputes: a
    float such as 1e300 reads back as an integer."""
    from evidence.ledger import row_digests

    identity, actor, now = IdentityFactory(), UserFactory(), timezone.now()
    for details in (
        {"reason": "é", "n": 10**20, "ok": False, "l": [None, {"x": "y"}]},
        {"f": 1e300},
    ):
        rows = [(identity.pk, "imported", now, actor.pk, "e", None, "", None, details)] * 2
        pks = insert_rows(LifecycleEvent, EVENT_FIELDS, rows)
        pending = PendingEntry.objects.filter(source="identities.lifecycleevent", record_pk__in=pks)
        assert dict(pending.values_list("record_pk", "payload_digest")) == row_digests(
            LifecycleEvent, pks
        )


def test_a_value_repeated_in_every_row_is_stored_in_every_row():
    """Columns with one value for all rows go as one scalar: rows alike in every column (no
    array left but the one unnest needs) and rows that differ in one are stored whole."""
    identity, actor, now = IdentityFactory(), UserFactory(), timezone.now()
    same = (identity.pk, "imported", now, actor.pk, "same", None, "", None, {})
    for rows in ([same, same], [same, (*same[:4], "other", *same[5:])]):
        pks = insert_rows(LifecycleEvent, EVENT_FIELDS, rows)
        stored = LifecycleEvent.objects.filter(pk__in=pks).order_by("pk")
        assert [tuple(getattr(e, f) for f in EVENT_FIELDS) for e in stored] == rows
