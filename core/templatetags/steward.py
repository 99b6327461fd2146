from django import template
from django.urls import NoReverseMatch, reverse

from core.people import person_html

register = template.Library()


@register.simple_tag
def url_if_exists(name: str, *args) -> str:
    """Reverse `name`, or "" when no installed app serves it yet (panels of higher apps)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.simple_tag
def person(who, people=None, nobody="—"):
    """`{% person user %}`: the full name, the username on hover (core/people.py). A username
    a snapshot kept is looked up in `people` (core.people.people_named)."""
    if isinstance(who, str) and people:
        who = people.get(who, who)
    return person_html(who, nobody=nobody)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def hours_human(hours) -> str:
    """A duration in hours as people say it: "3 days 4 hours", "45 minutes", "1 day"."""
    if hours in (None, ""):
        return ""
    try:
        minutes = round(float(hours) * 60)
    except (TypeError, ValueError):
        return str(hours)
    if minutes < 60:
        return f"{minutes} minute{pluralize(minutes)}"
    days, rest = divmod(minutes, 24 * 60)
    whole_hours, mins = divmod(rest, 60)
    parts = [f"{n} {unit}{pluralize(n)}" for n, unit in ((days, "day"), (whole_hours, "hour")) if n]
    if mins and not days:
        parts.append(f"{mins} minute{pluralize(mins)}")
    return " ".join(parts)


@register.filter
def duration_human(delta) -> str:
    """A timedelta in words (see hours_human)."""
    if delta is None:
        return ""
    return hours_human(delta.total_seconds() / 3600)


def pluralize(n: int) -> str:
    return "" if n == 1 else "s"


@register.inclusion_tag("core/partials/_pager.html", takes_context=True)
def pager(context, page=None, *, number=1, has_next=False, field="page", target=""):
    """The one pager: a Django Page, or a page `number` and `has_next` for lists that do not
    count their rows. Its links change the page only, so filters, sort and tabs are kept."""
    num_pages = None
    if page is not None:
        number, has_next = page.number, page.has_next()
        if not getattr(page.paginator, "count_is_bounded", False):  # core.pagination: no last
            num_pages = page.paginator.num_pages
    number = int(number)
    return {
        "request": context["request"],
        "number": number,
        "num_pages": num_pages,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if has_next else None,
        "field": field,
        "htmx": bool(target),
    }
