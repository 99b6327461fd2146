from django import template
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def url_if_exists(name: str, *args) -> str:
    """Reverse `name`, or "" when no installed app serves it yet (panels of higher apps)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def sort_query(query: str, key: str) -> str:
    """The current query string with `ordering` toggled for column `key`."""
    params = QueryDict(query, mutable=True)
    current = params.get("ordering", "")
    params["ordering"] = f"-{key}" if current == key else key
    params.pop("page", None)
    return params.urlencode()


@register.filter
def sort_arrow(ordering: str, key: str) -> str:
    return " ▲" if ordering == key else " ▼" if ordering == f"-{key}" else ""
