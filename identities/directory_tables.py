"""The directory's tables (core/tables.py): teams and their members, platforms, people and
their roles — the in-app admin pages under /settings/."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from core.accounts import role_labels
from core.tables import WHEN, PersonColumn, RankedChoiceColumn, StewardTable

from .choices import PlatformKind
from .models import Platform, Team


def _person_url(record) -> str:
    return reverse("identities:person", args=[record.pk])


class PersonLinkColumn(PersonColumn):
    """The row is the person: their name, linked to their page."""

    def __init__(self, **kwargs):
        kwargs.setdefault("order_by", ("first_name", "last_name", "username"))
        super().__init__(accessor="username", linkify=_person_url, **kwargs)

    def render(self, record):
        return super().render(record)


class AccountColumn(tables.Column):
    """Whether the account can sign in: active accounts first when sorted."""

    def __init__(self, **kwargs):
        super().__init__(accessor="is_active", verbose_name="Account", **kwargs)

    def render(self, value):
        return "Active" if value else mark_safe('<span class="pill warn">Deactivated</span>')

    def order(self, queryset, is_descending):
        sign = "" if is_descending else "-"
        return queryset.order_by(f"{sign}is_active", "username"), True


class RolesColumn(tables.Column):
    """The person's roles in Steward, from the prefetched groups."""

    def __init__(self, **kwargs):
        super().__init__(empty_values=(), orderable=False, verbose_name="Roles", **kwargs)

    def render(self, record):
        return ", ".join(role_labels(record)) or "—"


class TeamTable(StewardTable):
    locked_columns = ("name",)

    name = tables.Column(linkify=True, verbose_name="Team", order_by=("name", "pk"))
    member_count = tables.Column(verbose_name="Active members")
    identity_count = tables.Column(verbose_name="Identities")
    description = tables.Column(orderable=False, attrs={"td": {"class": "cell-wrap small"}})

    class Meta(StewardTable.Meta):
        model = Team
        fields = ()
        empty_text = "No team yet."

    def render_description(self, value):
        return value if len(value) <= 120 else value[:119] + "…"


class MemberTable(StewardTable):
    """A team's members; admins get a Remove form per row (with its reason; the form reads
    `team` from the page)."""

    locked_columns = ("person", "remove")

    person = PersonLinkColumn()
    roles = RolesColumn()
    account = AccountColumn()
    remove = tables.TemplateColumn(
        template_name="identities/partials/_member_remove.html",
        orderable=False,
        verbose_name="Remove",
    )

    class Meta(StewardTable.Meta):
        attrs = {**StewardTable.Meta.attrs, "data-testid": "team-members"}
        empty_text = "No member yet."

    def __init__(self, *args, can_edit: bool, **kwargs):
        super().__init__(*args, exclude=() if can_edit else ("remove",), **kwargs)


class PlatformTable(StewardTable):
    locked_columns = ("name",)

    name = tables.Column(linkify=True, verbose_name="Platform", order_by=("name", "pk"))
    kind = RankedChoiceColumn(field="kind", order=PlatformKind.values)
    owning_team = tables.Column(
        linkify=True, verbose_name="Owning team", order_by=("owning_team__name", "pk")
    )
    identity_count = tables.Column(verbose_name="Identities")

    class Meta(StewardTable.Meta):
        model = Platform
        fields = ()
        empty_text = "No platform yet."

    def render_owning_team(self, value):
        return value.name


class PersonTable(StewardTable):
    """People and their roles; `team_names` ({group id: name}) is read for the page shown."""

    locked_columns = ("person",)

    person = PersonLinkColumn()
    email = tables.Column(verbose_name="E-mail", attrs={"td": {"class": "small"}})
    roles = RolesColumn()
    teams = tables.Column(empty_values=(), orderable=False, attrs={"td": {"class": "small"}})
    account = AccountColumn()
    last_login = tables.Column(
        verbose_name="Last sign-in", default="never", attrs={"td": {"class": "small"}}
    )

    class Meta(StewardTable.Meta):
        empty_text = "Nobody matches."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_names: dict[int, str] = {}

    def render_teams(self, record):
        names = [self.team_names[g.pk] for g in record.groups.all() if g.pk in self.team_names]
        return ", ".join(names) or "—"

    def render_last_login(self, value):
        moment = localtime(value)
        return format_html(
            '<time datetime="{}">{}</time>', moment.isoformat(), date_format(moment, f"{WHEN} T")
        )
