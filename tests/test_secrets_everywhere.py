"""Acceptance (issue 15): no secret value reaches the database through any text field the
API or the pages expose.

The fields are enumerated, not listed: the API's from drf-spectacular's schema (every string
in the JSON request body of each POST/PUT/PATCH operation, nested objects and arrays
included), the pages' from the HTML of every page of the project's URL patterns (every text
input and textarea of every POST form, htmx forms included). Each field gets each provider's
key shape and its encodings, with an extra unknown key carrying it as well; then a `pg_dump`
of the test database — history, sessions and outbox included — must hold none of them.
Every operation gets a body that is valid apart from the planted field (`BODIES`), and that
body without the plant is accepted, so a missing guard would have stored the key.
"""

import datetime as dt
import itertools
import shutil

import pytest
from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from approvals.services import request_submit
from core.text_guard import Rule, field_rule, is_guarded
from lifecycle.reviews.services import campaign_create
from runtime.models import TrustedIssuer
from tests.factories import (
    CredentialFactory,
    IdentityFactory,
    PlatformFactory,
    TeamFactory,
    UserFactory,
)
from tests.secret_planting import pg_dump, plant_api, plant_pages
from tests.secret_plants import PLANTS, needles
from tests.usage.conftest import add_series
from usage.detectors import detect
from usage.models import Signal

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# --- the world the plants are aimed at ------------------------------------------------
@pytest.fixture
def world(governed, owner):
    """An admin who is also an engineer of the team, the owner (global A of every domain),
    an identity with credentials, a pending request, an active grant, an open usage signal
    and a launched review campaign."""
    from tests.approvals_helpers import approved_exception

    user = UserFactory(username="sam-admin-engineer", groups=["admins", "engineers"])
    team = TeamFactory(slug="payments", members=[user, owner])
    platform = PlatformFactory(slug="prod-k8s", owning_team=team)
    identity = IdentityFactory(team=team, platform=platform, status="active")
    other = IdentityFactory(team=team, platform=platform, status="active")
    now = timezone.now()
    grant = approved_exception(other, now - dt.timedelta(minutes=5))
    pending = request_submit(
        actor=user, kind="exception", identity=identity, now=now, requested_start=now,
        requested_end=now + dt.timedelta(days=7), justification="legacy client",
        excepted_policy="rotation", scope="the deploy key", compensating_controls="allow-list",
    )  # fmt: skip
    add_series(other, [10] * 12 + [300], end=timezone.localdate())
    detect(start=timezone.localdate(), end=timezone.localdate())
    campaign = campaign_create(
        actor=user,
        name="Launch",
        starts_on=timezone.localdate(),
        due_on=timezone.localdate() + dt.timedelta(days=30),
    )
    items = list(campaign.items.order_by("pk"))
    return {
        "user": user,
        "owner": owner,
        "domains": governed,
        "reviewer": items[0].reviewer,
        "items": items,
        "campaign": campaign,
        "signal": Signal.objects.get(),
        "team": team,
        "platform": platform,
        "identity": identity,
        "credentials": [CredentialFactory(identity=identity) for _ in range(3)],
        "grant": grant,
        "request": pending,
        "issuer": TrustedIssuer.objects.create(
            platform=platform,
            name="Cluster",
            issuer="https://cluster.example.com",
            audience="steward",
            jwks_url="https://cluster.example.com/jwks.json",
            algorithms=["RS256"],
        ),
        "n": itertools.count(),
    }


# In shards (each surface, each part of the plants) so that parallel workers share the
# longest test of the suite; each dump is still searched for every needle.
SHARDS = [(plant_api, 2, k) for k in range(2)] + [(plant_pages, 2, k) for k in range(2)]


@pytest.mark.parametrize(
    ("plant", "shards", "shard"), SHARDS, ids=[f"{p.__name__}-{k}" for p, _, k in SHARDS]
)
def test_no_planted_secret_reaches_the_database(world, plant, shards, shard):
    assert shutil.which("pg_dump"), "pg_dump is needed"
    assert plant(world, dict(sorted(PLANTS.items())[shard::shards])) > 100
    dump = pg_dump()
    assert "payments" in dump  # the dump is of the database the requests wrote to
    leaked = sorted(needle for needle in needles() if needle in dump)
    assert not leaked, leaked


@pytest.mark.parametrize("plant", [plant_api, plant_pages], ids=["api", "pages"])
def test_control_characters_and_over_long_text_are_refused_not_500s(world, plant):
    """Issue 15.12: every text field of the API and the pages answers a line break, a NUL or
    an over-long value with a validation error (or keeps it where it may), never a 5xx."""
    plants = {
        "header injection": "refund-bot\r\nBcc: everyone@example.com",
        "nul": "refund\x00bot",
        "over-long": "x" * 20_000,
    }
    assert plant(world, plants) > 50
    broken = []
    for model in apps.get_models():
        if not is_guarded(model):
            continue
        for field in model._meta.concrete_fields:
            if field_rule(model, field) in (Rule.LINE, Rule.IDENTIFIER):
                rows = model._default_manager.filter(
                    Q(**{f"{field.name}__contains": "\n"}) | Q(**{f"{field.name}__contains": "\r"})
                )
                if rows.exists():
                    broken.append(f"{model._meta.label}.{field.name}")
    assert not broken, broken
