"""One registry of notification kinds: a misspelt kind fails where it is sent, a webhook
subscription names only registered kinds (a clear error in the admin form otherwise), and a
subscription to a kind receives its variants (reminder leads, scopes)."""

from datetime import date

import pytest

from core import notification_kinds
from core.models import Webhook, WebhookDelivery
from core.notifications import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PUBLIC_URL = "https://93.184.216.34/hook"


def _send(user, kind):
    notify(
        kind=kind, subject=user, recipients=[user], due_on=date(2026, 12, 1), title="t", reason="r"
    )


@pytest.mark.parametrize(
    ("sent", "key"),
    [
        ("rotation_due", "rotation_due"),
        ("rotation_due_7d", "rotation_due"),
        ("review_due_1d", "review_due"),
        ("ownership_gap:identity", "ownership_gap"),
        ("usage_spike", "usage_spike"),
        ("credential.revocation_requested", "credential.revocation_requested"),
        ("rotation_dew_7d", None),
        ("grant_7d", None),
    ],
)
def test_sent_kinds_resolve_to_their_registered_key(sent, key):
    assert notification_kinds.registered_key(sent) == key


def test_every_app_registers_its_kinds():
    keys = dict(notification_kinds.kind_choices())
    for key in (
        "approval_requested",  # approvals
        "grant_revoked",
        "runtime.tokens_revoked",  # runtime
        "revocation_failing",  # connectors
        "sweep_failed",  # lifecycle
        "review_assigned",
        "usage_no_consumption_owner",  # usage
    ):
        assert key in keys, key


def test_an_unregistered_kind_is_refused_where_it_is_sent(owner):
    with pytest.raises(ValueError, match=r"Unregistered notification kind.*rotaton_due"):
        _send(owner, "rotaton_due")


def test_a_subscription_receives_the_variants_of_its_kind(owner):
    hook = Webhook.objects.create(name="rotations", url=PUBLIC_URL, kinds=["rotation_due"])
    Webhook.objects.create(name="reviews", url=PUBLIC_URL, kinds=["review_due"])
    _send(owner, "rotation_due_7d")
    assert list(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == [hook.pk]


def test_the_inbox_labels_a_variant_with_its_registered_label():
    assert notification_kinds.kind_label("rotation_due_7d") == "Rotation due (7d)"
    assert notification_kinds.kind_label("credential_expired") == "Credential expired"


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        ('["rotation_due", "rotaton_due"]', b"Unknown notification kind(s): rotaton_due."),
        ('"rotation_due"', b"A list of notification kinds"),
    ],
)
def test_admin_form_names_a_bad_subscription_and_saves_nothing(client, kinds, message):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/core/webhook/add/",
        {"name": "typo", "url": PUBLIC_URL, "kinds": kinds, "active": "on"},
    )
    assert response.status_code == 200
    assert message in response.content
    assert b"Known kinds: " in response.content or b"e.g." in response.content
    assert not Webhook.objects.filter(name="typo").exists()


def test_admin_form_saves_a_valid_subscription(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/core/webhook/add/",
        {"name": "ok", "url": PUBLIC_URL, "kinds": '["rotation_due"]', "active": "on"},
    )
    assert response.status_code == 302
    hook = Webhook.objects.get(name="ok")
    assert (hook.kinds, hook.created_by.username) == (["rotation_due"], "root")
