"""Writers never wait for each other on the ledger, yet every row is chained exactly once:
pending entries written in the writer's transaction, chained later by one chainer."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from simple_history.manager import HistoryManager
from simple_history.utils import bulk_update_with_history

from core.history import history_actor
from evidence import ledger
from evidence.models import LedgerEntry, PendingEntry
from evidence.tasks import ledger_chain
from identities.models import Identity, LifecycleEvent
from tests.factories import IdentityFactory, UserFactory


def _touch(identity_pk: int, actor, purpose: str) -> None:
    """A sweep-like write: a bulk history row and a timeline event."""
    rows = list(Identity.objects.select_for_update().filter(pk=identity_pk))
    rows[0].purpose = purpose
    bulk_update_with_history(rows, Identity, ["purpose"], default_user=actor)
    LifecycleEvent.objects.bulk_create(
        [LifecycleEvent(identity=rows[0], kind="reviewed", actor=actor, summary=purpose)]
    )


def _rows_of(pks_by_model) -> set[tuple[str, int]]:
    return {(ledger.label(m), pk) for m, pks in pks_by_model.items() for pk in pks}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_are_not_serialised_and_all_rows_are_chained_once():
    """Writer A holds its transaction open after writing history; writer B (other rows)
    commits meanwhile. With a lock held to commit by every history write, B would wait for A."""
    actor = UserFactory(username="sweeper")
    with history_actor(actor):
        a_pk, b_pk = IdentityFactory().pk, IdentityFactory().pk
    a_wrote, b_done = threading.Event(), threading.Event()
    errors = []

    def writer_a():
        try:
            with history_actor(actor), transaction.atomic():
                _touch(a_pk, actor, "Written by A.")
                a_wrote.set()
                assert b_done.wait(10), "B waited for A's transaction: writers serialised"
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
            a_wrote.set()
        finally:
            connection.close()

    thread = threading.Thread(target=writer_a)
    thread.start()
    assert a_wrote.wait(10)
    with history_actor(actor), transaction.atomic():
        _touch(b_pk, actor, "Written by B.")
    b_done.set()
    thread.join(15)
    assert not errors, errors

    history = Identity.history.model
    written = _rows_of({
        history: history.objects.filter(id__in=[a_pk, b_pk]).values_list("pk", flat=True),
        LifecycleEvent: LifecycleEvent.objects.values_list("pk", flat=True),
    })  # fmt: skip
    assert ledger.chain() >= len(written)
    chained = [(e.source, e.record_pk) for e in LedgerEntry.objects.all()]
    assert written <= set(chained)
    assert len(chained) == len(set(chained))  # each row once
    assert not PendingEntry.objects.exists()
    report = ledger.verify()
    assert report.ok, [str(p) for p in report.problems]


@pytest.mark.django_db
def test_a_crash_between_write_and_chain_leaves_nothing_unchained_after_the_chainer(governed):
    actor = UserFactory(username="sweeper")
    with history_actor(actor):
        identity = IdentityFactory()
        _touch(identity.pk, actor, "Written before the crash.")
    # The process died here: rows and their pending entries committed, nothing chained yet.
    latest = identity.history.latest("history_id")
    assert PendingEntry.objects.filter(
        source="identities.historicalidentity", record_pk=latest.pk
    ).exists()
    assert not LedgerEntry.objects.filter(record_pk=latest.pk, source=ledger.label(type(latest)))

    ledger_chain.apply()  # the beat task, in this process
    assert not PendingEntry.objects.exists()
    for model in ledger.sources().values():
        assert not ledger.unchained(model).exists(), model
    assert LedgerEntry.objects.filter(source="identities.historicalidentity", record_pk=latest.pk)
    assert ledger.verify().ok


@pytest.mark.django_db
def test_a_crash_inside_the_chainer_rolls_its_batch_back(governed, monkeypatch):
    actor = UserFactory(username="sweeper")
    with history_actor(actor):
        _touch(IdentityFactory().pk, actor, "Pending.")
    pending, entries = PendingEntry.objects.count(), LedgerEntry.objects.count()

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(LedgerEntry.objects, "bulk_create", crash)
    with pytest.raises(RuntimeError):
        ledger.chain()
    monkeypatch.undo()
    assert (PendingEntry.objects.count(), LedgerEntry.objects.count()) == (pending, entries)
    assert ledger.chain() == pending
    assert ledger.verify().ok


@pytest.mark.django_db
def test_a_row_queued_twice_is_chained_once(governed):
    identity = IdentityFactory()
    row = identity.history.latest("history_id")
    ledger.enqueue(type(row), [row.pk])  # e.g. catch_up and the hook both saw it
    ledger.chain()
    assert LedgerEntry.objects.filter(source=ledger.label(type(row)), record_pk=row.pk).count() == 1
    assert ledger.verify().ok


@pytest.mark.django_db
def test_a_history_row_changed_before_chaining_is_named(governed):
    """The digest is taken in the writer's transaction, not when the chainer runs."""
    identity = IdentityFactory()
    row = identity.history.latest("history_id")
    table = connection.ops.quote_name(type(row)._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET purpose = 'x' WHERE history_id = %s", [row.pk])  # noqa: S608
    report = ledger.verify(live_rows=False)
    assert [(p.record_pk, p.reason) for p in report.problems] == [
        (row.pk, "recorded row was changed")
    ]


def test_a_governed_model_without_the_governed_history_fails_the_system_check(monkeypatch):
    descriptor = Identity.__dict__["history"]
    monkeypatch.setattr(descriptor, "manager_class", HistoryManager)
    errors = ledger.check_hooks()
    assert [e.id for e in errors] == ["evidence.E001"]
    assert "identities.historicalidentity" in errors[0].msg
    assert "GovernedHistory" in errors[0].hint
    monkeypatch.undo()
    call_command("check")
