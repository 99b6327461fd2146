"""History plumbing: name the actor of changes made outside a web request; show changes as
people read them."""

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


def readable_diffs(groups: list[list[tuple]]) -> list[list[tuple]]:
    """Each group's (model field, before, after) as (field label, before, after) people read:
    choice labels, and the name of what a foreign key points at instead of its id (one query
    per related model, whatever the number of groups)."""
    wanted: dict[type, set] = {}
    for diffs in groups:
        for f, before, after in diffs:
            if f.many_to_one and f.related_model is not None:
                wanted.setdefault(f.related_model, set()).update(
                    v for v in (before, after) if v is not None
                )
    labels = {model: object_labels(model, ids) for model, ids in wanted.items()}

    def show(f, value):
        if value is None:
            return None
        if f.many_to_one and f.related_model is not None:
            return labels[f.related_model].get(
                value, f"{f.related_model._meta.verbose_name} #{value} (gone)"
            )
        if f.choices:
            return dict(f.flatchoices).get(value, value)
        return value

    return [
        [(str(f.verbose_name), show(f, before), show(f, after)) for f, before, after in diffs]
        for diffs in groups
    ]


def object_labels(model, ids) -> dict:
    """{pk: a readable name} for rows of `model`, in one query (none when it has no name)."""
    fields = {f.name for f in model._meta.concrete_fields}
    manager = model._base_manager.filter(pk__in=ids)
    if {"username", "first_name", "last_name"} <= fields:
        return {
            pk: f"{first} {last}".strip() or username
            for pk, first, last, username in manager.values_list(
                "pk", "first_name", "last_name", "username"
            )
        }
    for name in ("name", "label", "title", "key"):
        if name in fields:
            return dict(manager.values_list("pk", name))
    noun = model._meta.verbose_name
    return {pk: f"{noun} #{pk}" for pk in ids}
