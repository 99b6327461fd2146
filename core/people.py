"""One way of naming people on every page: the full name, the username on hover (`{% person %}`
in templates, `PersonColumn` in tables). Export files keep their own columns."""

from collections.abc import Iterable

import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.utils.html import format_html
from django.utils.safestring import SafeString


def person_html(user, *, nobody: str = "—") -> SafeString:
    """`user` by full name (the username when there is none), the username on hover. A
    username string stands for a person a snapshot named (evaluation inputs, export rows)."""
    if user is None or user == "":
        return format_html('<span class="muted">{}</span>', nobody)
    if isinstance(user, str):
        return format_html('<span class="person" title="{}">{}</span>', user, user)
    username = user.get_username()
    name = user.get_full_name() or username
    return format_html('<span class="person" title="{}">{}</span>', username, name)


def people_named(usernames: Iterable[str]) -> dict:
    """{username: user} for the usernames a snapshot kept, in one query."""
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    users = get_user_model().objects.filter(username__in=wanted)
    return {u.get_username(): u for u in users}


class PersonColumn(tables.Column):
    """A person by full name, the username on hover; `nobody` says who stands in when no one
    is set."""

    def __init__(self, *, nobody: str = "—", **kwargs):
        self.nobody = nobody
        super().__init__(empty_values=(), **kwargs)

    def render(self, value):
        return person_html(value, nobody=self.nobody)
