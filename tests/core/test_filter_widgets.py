"""The filter panels' multi-selects are written without Django's per-option templates
(core/filtersets.py): the same select, options, values, labels and selection as Django's."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.http import QueryDict

from approvals.filtersets import RequestFilterSet
from identities.filtersets import IdentityFilterSet
from tests.factories import PlatformFactory, TeamFactory

pytestmark = pytest.mark.django_db


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append([tag, sorted(attrs), ""])

    def handle_data(self, data):
        if self.found and data.strip():
            self.found[-1][2] += data.strip()


def elements(html: str) -> list:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize(
    ("filterset", "query"),
    [
        (IdentityFilterSet, "status=active&status=suspended&environment=production&team=t-b"),
        (IdentityFilterSet, ""),
        (RequestFilterSet, "kind=emergency&status=pending&risk_tier=high"),
    ],
)
def test_flat_multi_selects_render_as_djangos(filterset, query):
    TeamFactory(slug="t-a", name="Team <A>")
    TeamFactory(slug="t-b", name="Team B")
    PlatformFactory(slug="p-a", name="Platform A")
    form = filterset(QueryDict(query)).form
    selects = [f for f in form if isinstance(f.field.widget, forms.SelectMultiple)]
    assert selects
    for bound in selects:
        flat = str(bound)
        attrs = bound.build_widget_attrs({"id": bound.auto_id})
        django = forms.SelectMultiple.render(
            bound.field.widget, bound.html_name, bound.value(), attrs
        )
        assert elements(flat) == elements(django), bound.name
        assert ("selected" in flat) is (bound.name in QueryDict(query))
