"""`in_ids` and `any_of`: the same rows as `in` (core/lookups.py)."""

import pytest
from django.db import connection

from identities.models import Identity
from tests.factories import IdentityFactory

pytestmark = pytest.mark.django_db


def test_in_ids_selects_what_in_selects():
    identities = IdentityFactory.create_batch(4)
    # unordered, as the scope's parts are (SQLite refuses an ORDER BY inside a UNION's parts)
    ids = Identity.objects.filter(pk__in=[identities[1].pk, identities[3].pk]).values("pk")
    other = Identity.objects.filter(pk=identities[0].pk).values("pk").order_by()
    union = ids.order_by().union(other)
    for subquery in (ids, union):
        expected = set(Identity.objects.filter(pk__in=subquery))
        assert set(Identity.objects.filter(pk__in_ids=subquery)) == expected
    assert set(Identity.objects.filter(pk__in_ids=[identities[2].pk])) == {identities[2]}


def test_in_ids_is_an_array_of_the_subquery_on_postgresql():
    sql = str(Identity.objects.filter(pk__in_ids=Identity.objects.values("pk")).query)
    array = connection.vendor == "postgresql"
    assert ("= ANY(ARRAY(SELECT" in sql) is array and (" IN (SELECT" in sql) is not array


def test_any_of_selects_what_in_selects():
    identities = IdentityFactory.create_batch(3)
    for field, values in (
        ("pk", [identities[0].pk, identities[2].pk, 10**12]),
        ("name", [identities[1].name, "no such name"]),
        ("pk", []),
    ):
        expected = set(Identity.objects.filter(**{f"{field}__in": values}))
        assert set(Identity.objects.filter(**{f"{field}__any_of": values})) == expected


def test_any_of_is_one_array_parameter_on_postgresql():
    sql = str(Identity.objects.filter(pk__any_of=[1, 2, 3]).query)
    array = connection.vendor == "postgresql"
    assert ("= ANY(" in sql) is array and (" IN (1, 2, 3)" in sql) is not array
