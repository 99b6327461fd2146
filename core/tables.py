"""The table layer every list shares (django-tables2): one Table class per list, written once
here for sorting in the domain's order, column choice, paging that keeps the filters, htmx
swaps and export links. Templates render `{% render_table table %}` (core/partials/_table.html).
"""

import functools
from collections.abc import Sequence

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django_tables2 import utils as tables_utils

PER_PAGE = 50
WHEN = "Y-m-d H:i"
COLUMNS_PARAM = "cols"  # the column chooser's checkboxes
COLUMNS_SET_PARAM = "cols_set"  # present when the chooser was submitted (all boxes may be off)


@functools.lru_cache(maxsize=512)
def _signature_of(func, bound: bool):
    args, keywords = _signature(func)
    return (args[1:] if bound else args), keywords


def _cached_signature(fn):
    """django-tables2 inspects a column's render method for every cell it renders (a fifth of
    a 50-row page's time); a function's signature does not change, so inspect it once."""
    try:
        return _signature_of(getattr(fn, "__func__", fn), hasattr(fn, "__func__"))
    except TypeError:  # an unhashable callable
        return _signature(fn)


_signature = tables_utils.signature
tables_utils.signature = _cached_signature


def choice_rank(field: str, order: Sequence[str]) -> Case:
    """A sort key for a choice field in the domain's order (Low < Medium < High < Critical,
    statuses in lifecycle order) instead of the alphabetical order of their stored values."""
    whens = [When(**{field: value}, then=Value(rank)) for rank, value in enumerate(order)]
    return Case(*whens, default=Value(len(order)), output_field=IntegerField())


@functools.cache
def _choice_labels(model, field: str) -> dict:
    """{value: label} of a model's choice field, as `get_<field>_display` looks it up on
    every call (the labels stay lazy: translated when rendered)."""
    try:
        return dict(model._meta.get_field(field).flatchoices)
    except FieldDoesNotExist:
        return {}


class RankedChoiceColumn(tables.Column):
    """A choice field shown by its label (as a coloured pill when `pills` names a tone for its
    value) and sorted by its rank in `order`, then by primary key so paging is stable."""

    def __init__(self, *, field: str, order: Sequence[str], pills: dict | None = None, **kwargs):
        self.rank = choice_rank(field, [str(v) for v in order])
        self.pills = pills
        kwargs.setdefault("accessor", field)
        super().__init__(**kwargs)

    def order(self, queryset, is_descending):
        rank = self.rank.desc() if is_descending else self.rank.asc()
        return queryset.order_by(rank, "-pk" if is_descending else "pk"), True

    def render(self, value, record, bound_column):
        # django-tables2 hands a choice field's cell its label (get_FOO_display), so the
        # stored value, which picks the pill's tone, is read from the row itself.
        *path, field = str(bound_column.accessor).split("__")
        owner = record
        for step in path:  # a choice on a related row: identity__risk_tier
            owner = getattr(owner, step)
        stored = getattr(owner, field, value)
        label = force_str(_choice_labels(type(owner), field).get(stored, value), strings_only=True)
        if self.pills is None:
            return label
        tone = self.pills.get(str(stored), "")
        return format_html('<span class="pill {}">{}</span>', tone, label)


class DayColumn(tables.Column):
    """A date as YYYY-MM-DD. django-tables2's DateColumn renders a template for every cell,
    the costliest cell of a 50-row page."""

    def render(self, value):
        return value.isoformat()


WHEN_STRFTIME = "%Y-%m-%d %H:%M"  # WHEN, all digits: no locale in it


def when(value) -> str:
    """A moment in the viewer's time zone, as every list shows it (WHEN). By strftime:
    Django's date_format looks its format up on every call, a tenth of a page of 150 times."""
    return localtime(value).strftime(WHEN_STRFTIME) if value else ""


class StewardTable(tables.Table):
    """Base of every list's table. Every column but `locked_columns` can be switched off by
    the user (the choice is kept in the session per table); `htmx_target` is the id of the
    element a sort or page link swaps (the list view answers htmx with the table partial)."""

    htmx_target: str = ""
    locked_columns: tuple[str, ...] = ()  # always shown (the row's name/link)
    uncounted_order: str = "newest first"  # said above an uncounted list (configure_uncounted)
    default_hidden: tuple[str, ...] = ()  # shown once the user asks for them

    class Meta:
        template_name = "core/partials/_table.html"
        attrs = {"class": "table table-vcenter card-table table-hover"}
        empty_text = "Nothing matches."

    def __init__(
        self, *args, export_links: Sequence[tuple[str, str]] = (), noun: str = "", **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.export_links = list(export_links)
        self.noun = noun
        self.uncounted_page: dict | None = None  # see configure_uncounted

    def page_cells(self):
        """The page's rows as (row, [(td attributes, cell), …]). A column's td attributes are
        worked out once per page: django-tables2 recomputes them (th and tf too) for every
        cell, and no column here makes them depend on the row."""
        columns = [(column.attrs["td"].as_html(), column.name) for column in self.columns]
        for row in self.paginated_rows:
            yield row, [(td, row.get_cell(name)) for td, name in columns]

    def body_html(self) -> SafeString:
        """The page's `<tr>`s, each cell rendered as `{{ cell }}` would render it (localised,
        escaped unless safe). Written here: two nested template loops over 450 cells were a
        third of a list page's rendering."""
        context = Context()
        rows = []
        for row, cells in self.page_cells():
            tds = "".join(
                f"<td {td}>{render_value_in_context(cell, context)}</td>" for td, cell in cells
            )
            rows.append(f"<tr {row.attrs.as_html()}>{tds}</tr>")
        return mark_safe("\n".join(rows))  # noqa: S308 (attributes and cells are escaped)

    def choosable_columns(self):
        return [c for c in self.columns.iterall() if c.name not in self.locked_columns and c.header]


def apply_column_choice(table: StewardTable, request) -> None:
    """Show the columns the user chose (query string first, then the session)."""
    key = f"table-columns:{type(table).__name__}"
    names = {c.name for c in table.choosable_columns()}
    if COLUMNS_SET_PARAM in request.GET:
        chosen = [n for n in request.GET.getlist(COLUMNS_PARAM) if n in names]
        if request.session.get(key) != chosen:
            request.session[key] = chosen
    else:
        chosen = request.session.get(key)
    if chosen is None:
        chosen = names - set(table.default_hidden)
    for name in names - set(chosen):
        table.columns.hide(name)


def configure(
    table: StewardTable, request, *, per_page: int | None = None, paginator_class=Paginator
):
    """Sort, choose columns and paginate from the request. The paginator is pluggable (an
    estimated-count paginator for the largest lists); sort and page links keep every other
    query parameter, so the filters survive paging."""
    apply_column_choice(table, request)
    tables.RequestConfig(
        request, paginate={"per_page": per_page or PER_PAGE, "paginator_class": paginator_class}
    ).configure(table)
    return table


def configure_uncounted(table: StewardTable, request, *, page: int, has_next: bool):
    """Choose columns for a list that does not count its rows (the audit browser merges
    several history tables; access evidence streams): the view fetched page `page` itself,
    and the pager offers the next one when `has_next`, keeping the filters."""
    apply_column_choice(table, request)
    table.uncounted_page = {"number": page, "has_next": has_next}
    return table
