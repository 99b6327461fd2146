"""Stored choice values as people read them."""

from django.db.models import Choices


def choice_label(choices: type[Choices], value) -> str:
    """The label of `value` among `choices`; a value no longer among them as it is, and
    nothing as "—"."""
    if value in (None, ""):
        return "—"
    try:
        return choices(value).label
    except ValueError:
        return str(value)
