"""Webhook targets (public http(s) only, checked at save and at send, connection pinned to the
checked address), timestamped per-hook signatures with rotation, and errors that reveal no
more than a category."""

import json
import logging
import socket
import time
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import Webhook, WebhookDelivery
from core.notifications import deliver_webhooks, notify
from core.webhooks import (
    ERROR_DELIVERY,
    ERROR_TARGET,
    REPLAY_WINDOW,
    WebhookTargetRefused,
    resolve_target,
    webhook_headers,
    webhook_key,
    webhook_rotate_key,
    webhook_signing_keys,
    webhook_verify,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _remind(user):
    notify(
        kind="rotation_due",
        subject=user,
        recipients=[user],
        due_on=date(2026, 12, 1),
        title="Rotate",
        reason="You are R",
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.5/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[fc00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
        "http://224.0.0.1/hook",
        "ftp://93.184.216.34/hook",
        "file:///etc/passwd",
        "gopher://93.184.216.34/",
        "https://user:s3cret@93.184.216.34/hook",  # no credentials stored in a hook
    ],
)
def test_private_loopback_link_local_and_non_http_targets_are_refused_by_default(url):
    with pytest.raises(WebhookTargetRefused):
        resolve_target(url)
    with pytest.raises(ValidationError) as err:
        Webhook(name="x", url=url).full_clean()
    assert "url" in err.value.message_dict


def test_a_public_address_is_accepted():
    assert resolve_target("https://93.184.216.34:8443/h") == (
        "93.184.216.34",
        8443,
        ["93.184.216.34"],
    )


def test_a_name_resolving_to_any_private_address_is_refused(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(WebhookTargetRefused):
        resolve_target("https://mixed.example.test/hook")


def test_send_time_check_refuses_a_private_target_saved_around_validation(
    owner,
    receiver,
    settings,
):
    url, handler = receiver
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # the default
    Webhook.objects.create(name="inside", url=url)  # no full_clean: e.g. DNS changed since
    _remind(owner)
    assert deliver_webhooks() == 0
    assert handler.received == []
    assert WebhookDelivery.objects.get().last_error == ERROR_TARGET


def test_post_connects_to_the_checked_address_and_keeps_the_host_header(
    owner,
    receiver,
    monkeypatch,
):
    """One lookup per send, and the connection goes to its answer: a rebinding DNS server
    gets no second question whose answer could differ."""
    url, handler = receiver
    port = url.split(":")[2].split("/")[0]
    real, lookups = socket.getaddrinfo, []

    def getaddrinfo(host, *args, **kwargs):
        lookups.append(host)
        return real("127.0.0.1" if host == "hooks.example.test" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    Webhook.objects.create(name="named", url=f"http://hooks.example.test:{port}/hook")
    _remind(owner)
    assert deliver_webhooks() == 1
    assert lookups == ["hooks.example.test", "127.0.0.1"]  # the name once, then the literal
    headers, _body = handler.received[0]
    assert headers["Host"] == f"hooks.example.test:{port}"


def test_connection_errors_are_stored_as_a_category_and_logged_in_detail(owner, settings, caplog):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    Webhook.objects.create(name="probe", url=f"http://127.0.0.1:{closed_port}/")
    _remind(owner)
    with caplog.at_level(logging.WARNING, logger="core.notifications"):
        assert deliver_webhooks() == 0
    assert WebhookDelivery.objects.get().last_error == ERROR_DELIVERY
    assert "ConnectionRefusedError" in caplog.text


def test_http_error_answers_share_the_same_category(owner, receiver):
    url, handler = receiver
    handler.fail_first = 1  # answers 503
    Webhook.objects.create(name="down", url=url)
    _remind(owner)
    assert deliver_webhooks() == 0
    assert WebhookDelivery.objects.get().last_error == ERROR_DELIVERY


def test_signature_covers_timestamp_and_body_within_the_replay_window(db):
    hook = Webhook.objects.create(name="h", url="https://93.184.216.34/")
    body = json.dumps({"id": 1}).encode()
    now = int(time.time())
    headers = webhook_headers(hook, body, delivery_id=7, timestamp=now)
    key = webhook_key(hook)
    sig = headers["X-Steward-Signature"]
    assert headers["X-Steward-Timestamp"] == str(now)
    assert webhook_verify(key=key, body=body, timestamp=str(now), signature=sig)
    assert not webhook_verify(key=key, body=body + b" ", timestamp=str(now), signature=sig)
    assert not webhook_verify(key=key, body=body, timestamp=str(now + 1), signature=sig)
    assert not webhook_verify(key="0" * 64, body=body, timestamp=str(now), signature=sig)
    old = webhook_headers(hook, body, delivery_id=7, timestamp=now - REPLAY_WINDOW - 1)
    assert not webhook_verify(
        key=key,
        body=body,
        timestamp=old["X-Steward-Timestamp"],
        signature=old["X-Steward-Signature"],
    )


def test_each_hook_has_its_own_key_and_no_key_is_stored(db):
    a = Webhook.objects.create(name="a", url="https://93.184.216.34/")
    b = Webhook.objects.create(name="b", url="https://93.184.216.34/")
    assert webhook_key(a) != webhook_key(b)
    row = Webhook.objects.filter(pk=a.pk).values().get()
    assert not any(webhook_key(a) in str(value) for value in row.values())


def test_rotation_changes_one_hooks_key_and_signs_with_both_during_grace(db):
    a = Webhook.objects.create(name="a", url="https://93.184.216.34/")
    b = Webhook.objects.create(name="b", url="https://93.184.216.34/")
    old_a, old_b = webhook_key(a), webhook_key(b)
    now = timezone.now()
    a = webhook_rotate_key(webhook_id=a.pk, grace=timedelta(hours=1), now=now)
    assert webhook_key(a) != old_a and a.key_version == 2
    assert webhook_key(Webhook.objects.get(pk=b.pk)) == old_b
    assert webhook_signing_keys(a, now=now) == [webhook_key(a), old_a]
    assert webhook_signing_keys(a, now=now + timedelta(hours=1)) == [webhook_key(a)]

    body, ts = b"{}", int(time.time())
    headers = webhook_headers(a, body, delivery_id=1, timestamp=ts)
    for key in (old_a, webhook_key(a)):  # a receiver on either key accepts
        assert webhook_verify(
            key=key, body=body, timestamp=str(ts), signature=headers["X-Steward-Signature"]
        )


def test_admin_rotates_a_hooks_key_and_sees_a_refused_target(client):
    hook = Webhook.objects.create(name="a", url="https://93.184.216.34/")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/core/webhook/",
        {"action": "rotate_key", "_selected_action": [hook.pk]},
    )
    assert response.status_code == 302
    assert Webhook.objects.get(pk=hook.pk).key_version == 2
    response = client.post(
        "/admin/core/webhook/add/",
        {"name": "meta", "url": "http://169.254.169.254/", "kinds": "[]", "active": "on"},
    )
    assert response.status_code == 200
    assert b"private, loopback, link-local" in response.content
    assert not Webhook.objects.filter(name="meta").exists()
