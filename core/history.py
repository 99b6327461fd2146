"""History plumbing: name the actor of changes made outside a web request."""

from contextlib import contextmanager
from types import SimpleNamespace

from simple_history.models import HistoricalRecords


@contextmanager
def history_actor(user):
    """Outside a web request (worker, shell) simple-history knows no user: name the actor so
    history never records None. Inside a request the middleware has already set it."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", None)
    if previous is not None:
        yield
        return
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        del context.request


def stamp(instance, *, actor, reason: str) -> None:
    """Name who changed `instance` and why, for its history row — in a request or not."""
    instance._history_user = actor
    instance._change_reason = reason
