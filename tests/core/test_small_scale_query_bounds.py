"""The identity list, the approvals inbox and the audit browser on the table layer stay
within their query bounds at the bench's small scale (≈2,000 identities, their requests and
history; tests/bench/generate.py): bounded by the page, not by the rows behind it."""

import pytest
from django.urls import reverse

from evidence.selectors import audit_models
from tests.bench.generate import generate

pytestmark = [pytest.mark.bench, pytest.mark.postgres, pytest.mark.django_db]


def test_lists_stay_within_their_query_bounds_at_small_scale(
    client, admin_user, django_assert_max_num_queries
):
    generate("small", log=lambda *_: None)
    client.force_login(admin_user)
    pages = [
        (reverse("identities:list"), 12),  # the bench's target for the identity list
        (reverse("approvals:inbox") + "?box=all", 25),
        (reverse("evidence:audit"), len(audit_models()) + 25),
        (reverse("evidence:audit") + "?model=identities.identity&page=3", 30),
    ]
    for url, bound in pages:
        client.get(url)  # warm the per-process caches (chain status, kinds)
        with django_assert_max_num_queries(bound):
            response = client.get(url)
        assert response.status_code == 200 and response.context["table"].rows, url
