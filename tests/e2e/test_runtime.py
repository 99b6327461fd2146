"""E2E (runtime): an owner opens an identity with live runtime tokens, revokes them all from
the runtime panel with a reason; the panel shows them revoked and the identity's timeline
shows who revoked them and why, without reloading the page."""

import pytest

from governance.services import permissions_sync
from runtime.models import IssuedToken
from runtime.services import token_exchange
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, IdentityFactory, PlatformFactory, TeamFactory
from tests.runtime.conftest import JWT_BEARER, K8S_ISS, issuer_for, k8s_claims, sign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_tokens(settings, tmp_path, governed, owner):
    settings.RUNTIME_SIGNING_KEYS_FILE = str(tmp_path / "signing-keys.json")
    platform = PlatformFactory(name="prod-eks", slug="prod-eks", kind="kubernetes")
    issuer_for(platform, name="prod-eks SA tokens", iss=K8S_ISS, kind="rsa", mapping="kubernetes")
    identity = IdentityFactory(
        name="ledger-sync",
        team=TeamFactory(name="Payments", slug="payments"),
        platform=platform,
        external_id="payments/ledger-sync",
    )
    permissions_sync()
    for _ in range(3):
        token_exchange(data={"grant_type": JWT_BEARER, "assertion": sign("rsa", k8s_claims())})
    return identity


def test_owner_revokes_all_tokens_from_the_identity_page(page, screenshot, owner, live_tokens):
    sign_in(page, owner.username, PASSWORD)
    page.goto(f"/identities/{live_tokens.pk}/")
    panel = page.get_by_test_id("runtime-panel")
    panel.get_by_text("3 live now").wait_for()
    assert panel.get_by_text("Unexpired").count() == 3
    screenshot("runtime-panel-live")
    panel.get_by_label("Reason").fill("pod compromised")
    panel.get_by_role("button", name="Revoke all 3 live tokens").click()
    page.get_by_test_id("runtime-panel").get_by_text("0 live now").wait_for()
    panel = page.get_by_test_id("runtime-panel")
    assert panel.get_by_text(f"Revoked by {owner.get_full_name()}").count() == 3
    screenshot("runtime-panel-revoked")
    assert IssuedToken.objects.filter(revoked_at__isnull=False).count() == 3
    event = page.locator("#timeline-events li[data-kind='tokens_revoked']")
    event.wait_for()
    assert "3 runtime token(s) revoked by olu-owner: pod compromised" in event.inner_text()
    event.scroll_into_view_if_needed()
    screenshot("runtime-revoked-timeline")
