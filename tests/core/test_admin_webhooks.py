"""Webhooks in the app: admins create, edit, rotate the key and delete — the target check
(public http(s) only) applies as everywhere, each change in history; auditors read without
the signing key; the rest are refused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core import services
from core.models import Webhook
from core.webhooks import webhook_key
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.216.34/steward"  # a public address: no DNS lookup needed
READERS = {"admin_user": 200, "auditor": 200, "engineer": 403, "owner": 403, "outsider": 403}


@pytest.fixture
def hook(admin_user):
    return services.webhook_save(
        actor=admin_user, data={"name": "SIEM", "url": PUBLIC_URL, "kinds": ["approval_requested"]}
    )


def test_a_hook_change_and_its_rotation_are_in_history_with_the_actor(admin_user, hook):
    services.webhook_save(actor=admin_user, webhook=hook, data={"active": False})
    rotated = services.webhook_rotate(actor=admin_user, webhook=hook)
    assert rotated.key_version == 2 and rotated.previous_key_until is not None
    rows = list(hook.history.order_by("history_id"))
    assert [r.history_type for r in rows] == ["+", "~", "~"]
    assert {r.history_user for r in rows} == {admin_user}
    assert "rotated to v2" in rows[-1].history_change_reason
    services.webhook_delete(actor=admin_user, webhook=hook)
    assert hook.history.latest().history_type == "-"
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("who", ["auditor", "engineer", "owner", "outsider"])
def test_only_admins_change_webhooks(request, who, hook):
    actor = request.getfixturevalue(who)
    for call in (
        lambda: services.webhook_save(actor=actor, data={"name": "x", "url": PUBLIC_URL}),
        lambda: services.webhook_rotate(actor=actor, webhook=hook),
        lambda: services.webhook_delete(actor=actor, webhook=hook),
    ):
        with pytest.raises(PermissionDenied):
            call()
    hook.refresh_from_db()
    assert hook.key_version == 1


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/hook", "http://169.254.169.254/latest/", "ftp://93.184.216.34/x"]
)
def test_the_target_check_applies_to_the_service(admin_user, url):
    with pytest.raises(ValidationError) as err:
        services.webhook_save(actor=admin_user, data={"name": "x", "url": url})
    assert "url" in err.value.message_dict
    assert not Webhook.objects.exists()


def test_a_malformed_kind_is_refused(admin_user):
    with pytest.raises(ValidationError, match="not a notification kind"):
        services.webhook_save(
            actor=admin_user, data={"name": "x", "url": PUBLIC_URL, "kinds": "Approval Requested"}
        )


@pytest.mark.parametrize("who", PERSONAS)
def test_webhook_pages_by_persona(client, request, who, hook):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("core:webhooks")).status_code == READERS[who]
    detail = client.get(hook.get_absolute_url())
    assert detail.status_code == READERS[who]
    if who == "auditor":
        assert webhook_key(hook) not in detail.content.decode()
    if who == "admin_user":
        assert webhook_key(hook) in detail.content.decode()
    writer = 302 if who == "admin_user" else 403
    assert client.post(reverse("core:webhook-rotate", args=[hook.pk])).status_code == writer
    assert client.post(reverse("core:webhook-delete", args=[hook.pk])).status_code == writer
    assert Webhook.objects.exists() == (who != "admin_user")


def test_admin_creates_a_hook_and_a_private_target_is_shown_on_the_form(client, admin_user):
    client.force_login(admin_user)
    data = {"name": "Internal", "url": "http://10.0.0.5/hook", "kinds": "", "active": "on"}
    refused = client.post(reverse("core:webhook-new"), data)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "private, loopback, link-local or reserved" in html and 'value="Internal"' in html
    created = client.post(reverse("core:webhook-new"), {**data, "url": PUBLIC_URL})
    hook = Webhook.objects.get(name="Internal")
    assert created.status_code == 302 and created["Location"] == hook.get_absolute_url()
    assert (hook.created_by, hook.kinds, hook.active) == (admin_user, [], True)


def test_webhook_list_stays_within_its_query_bound(
    client, admin_user, django_assert_max_num_queries
):
    for n in range(10):
        services.webhook_save(actor=admin_user, data={"name": f"h{n}", "url": PUBLIC_URL})
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("core:webhooks")).status_code == 200


def test_webhook_page_stays_within_its_query_bound(
    client, admin_user, hook, django_assert_max_num_queries
):
    for n in range(10):
        services.webhook_save(actor=admin_user, webhook=hook, data={"name": f"SIEM {n}"})
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        assert client.get(hook.get_absolute_url()).status_code == 200
