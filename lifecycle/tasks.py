"""Thin Celery tasks: each runs one sweep now, as the named system user."""

from celery import shared_task
from django.utils import timezone

from core.history import history_actor
from core.system import system_user

from . import sweeps


def _run(name: str) -> str:
    with history_actor(system_user()):
        return str(sweeps.run_sweep(name, now=timezone.now()))


@shared_task(name="lifecycle.tasks.rotation_sweep", acks_late=True)
def rotation_sweep() -> str:
    return _run("rotation")


@shared_task(name="lifecycle.tasks.expiry_sweep", acks_late=True)
def expiry_sweep() -> str:
    return _run("expiry")


@shared_task(name="lifecycle.tasks.decommission_sweep", acks_late=True)
def decommission_sweep() -> str:
    return _run("decommission")


@shared_task(name="lifecycle.tasks.escalation_sweep", acks_late=True)
def escalation_sweep() -> str:
    return _run("escalation")


@shared_task(name="lifecycle.tasks.reviews_sweep", acks_late=True)
def reviews_sweep() -> str:
    """Launch due access reviews, remind open items, apply the overdue rule."""
    return _run("reviews")
