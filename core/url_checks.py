"""System check: every URL name the wiring mentions resolves, so a misspelt dashboard panel,
navigation entry or `{% url_if_exists %}` name fails `manage.py check` instead of quietly
showing nothing. Dotted paths of navigation rules must import."""

import re
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.module_loading import import_string

URL_IF_EXISTS = re.compile(r"""{%\s*url_if_exists\s+["']([^"']+)["']""")


def url_names(patterns=None, prefix: str = "") -> set[str]:
    """Every `namespace:name` the URLconf serves."""
    names = set()
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            names |= url_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            names.add(prefix + p.name)
    return names


def template_url_names() -> list[tuple[str, str]]:
    """(template, name) of every literal `{% url_if_exists "name" %}` in the templates."""
    found = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*.html")):
            rel = str(path.relative_to(folder))
            found += [(rel, name) for name in URL_IF_EXISTS.findall(path.read_text())]
    return found


def configured_url_names() -> list[tuple[str, str]]:
    """(where it is configured, URL name)."""
    from .navigation import MAIN_NAV

    return [
        *(("STEWARD_DASHBOARD_PANELS", n) for n in settings.STEWARD_DASHBOARD_PANELS),
        *(("STEWARD_NAV_BADGES", n) for n in settings.STEWARD_NAV_BADGES),
        *(("STEWARD_NAV_VISIBLE", n) for n in settings.STEWARD_NAV_VISIBLE),
        *(("core.navigation.MAIN_NAV", n) for _label, n, _rule in MAIN_NAV),
        *template_url_names(),
    ]


def check_configured_url_names(app_configs=None, **kwargs) -> list:
    served = url_names()
    errors = [
        checks.Error(f"{where}: no URL is named {name!r}.", id="core.E101")
        for where, name in configured_url_names()
        if name not in served
    ]
    rules = {**settings.STEWARD_NAV_BADGES, **settings.STEWARD_NAV_VISIBLE}
    for name, dotted in rules.items():
        try:
            import_string(dotted)
        except ImportError:
            errors.append(checks.Error(f"{name}: cannot import {dotted!r}.", id="core.E102"))
    return errors
