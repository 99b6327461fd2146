"""Every URL pattern of the project, with placeholder arguments, for permission walks."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

_CONVERTER_VALUES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "path": "x",
}


def _fill(route: str) -> str:
    return re.sub(
        r"<(?:(\w+):)?(\w+)>", lambda m: _CONVERTER_VALUES.get(m.group(1) or "str", "1"), route
    )


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = str(p.pattern)
            if route.startswith("^"):  # regex patterns (admin, DRF format suffixes)
                route = route.lstrip("^").rstrip("$").replace("\\Z", "")
                if "(" in route or "\\" in route:
                    continue
            yield f"{namespace}{p.name or ''}", "/" + _fill(prefix + route)


def all_urls() -> list[tuple[str, str]]:
    seen, out = set(), []
    for name, url in _walk(get_resolver().url_patterns):
        if url not in seen:
            seen.add(url)
            out.append((name, url))
    return out
