"""Issuers with a JWKS URL: the worker fetches and caches the keys (following rotation),
keeps the last good set when a fetch fails, and a proof verifies against the cached keys."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from runtime.jwks_fetch import issuer_refresh_keys, issuers_due
from runtime.services import issuer_save
from runtime.tasks import refresh_issuer_keys

from .conftest import FORM, exchange_form, issuer_key, k8s_claims, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def jwks_server():
    state = {"body": json.dumps({"keys": [issuer_key("rsa").as_dict(private=False)]}).encode()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/keys")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(state["body"])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()


@pytest.fixture
def url_issuer(k8s, admin_user, jwks_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return issuer_save(
            actor=admin_user,
            issuer=k8s,
            data={"jwks": {}, "jwks_url": jwks_server["url"] + "/keys"},
        )


def test_fetched_keys_verify_proofs(client, workload, url_issuer):
    data = exchange_form(sign("rsa", k8s_claims()))
    refused = client.post(reverse("runtime:token"), urlencode(data), content_type=FORM).json()
    assert "No keys are known yet" in refused["error_description"]
    assert issuers_due() == [url_issuer.pk]
    refresh_issuer_keys()  # what beat runs
    url_issuer.refresh_from_db()
    assert url_issuer.jwks_fetched_at is not None and url_issuer.jwks_error == ""
    assert issuers_due() == []
    response = client.post(reverse("runtime:token"), urlencode(data), content_type=FORM)
    assert response.status_code == 200, response.content


def test_failed_fetch_keeps_the_last_good_keys(url_issuer, jwks_server):
    assert issuer_refresh_keys(issuer_id=url_issuer.pk) == ""
    jwks_server["body"] = b'{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}'
    assert "asymmetric" in issuer_refresh_keys(issuer_id=url_issuer.pk)
    url_issuer.refresh_from_db()
    assert (
        url_issuer.jwks_fetched["keys"][0]["kty"] == "RSA" and "asymmetric" in url_issuer.jwks_error
    )
    # the cache is not history: one history row (the admin's save), not one per fetch
    assert url_issuer.history.filter(history_type="~").count() == 1


def test_redirects_are_not_followed(url_issuer, jwks_server, admin_user):
    issuer_save(
        actor=admin_user, issuer=url_issuer, data={"jwks_url": jwks_server["url"] + "/redirect"}
    )
    assert "redirect refused" in issuer_refresh_keys(issuer_id=url_issuer.pk)


def test_saving_an_issuer_with_a_url_enqueues_a_fetch(
    k8s, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        issuer_save(
            actor=admin_user, issuer=k8s, data={"jwks": {}, "jwks_url": "https://x.example/k"}
        )
    assert len(callbacks) == 1


def test_issuer_needs_exactly_one_key_source(k8s, admin_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        issuer_save(actor=admin_user, issuer=k8s, data={"jwks_url": "https://x.example/k"})
    with pytest.raises(ValidationError):
        issuer_save(actor=admin_user, issuer=k8s, data={"jwks": {}})
