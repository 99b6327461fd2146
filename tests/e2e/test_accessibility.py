"""axe-core (npm `axe-core`, vendored in tests/e2e/vendor/ with its licence) in Chromium on every
main page each persona opens: no serious or critical accessibility violation.

axe is injected as a script tag, which the site's Content-Security-Policy would refuse (no
inline script): the browser context bypasses CSP for the injection only; tests/e2e/test_csp.py
checks the policy itself."""

from datetime import timedelta
from pathlib import Path
from pprint import pformat

import pytest
from django.utils import timezone

from tests.approvals.factories import submit_exception
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, CredentialFactory, IdentityFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = {"serious", "critical"}
VIEWPORTS = {"laptop": (1440, 900), "phone": (375, 812)}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""


@pytest.fixture
def world(governed, owner, engineer):
    from governance.services import permissions_sync
    from usage.models import UsageRecord

    team = TeamFactory(name="Payments", slug="payments", members=[engineer])
    for n in range(3):
        IdentityFactory(name=f"batch-exporter-{n}", team=team, status="active")
    identity = IdentityFactory(name="ledger-sync", team=team, status="active", risk_tier="high")
    CredentialFactory(identity=identity)
    request = submit_exception(actor=engineer, identity=identity, days=10)
    UsageRecord.objects.create(
        identity=identity, source="billing", day=timezone.localdate() - timedelta(days=1), calls=5
    )
    permissions_sync()
    return {"identity": identity, "request": request}


@pytest.fixture
def axe_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1440, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def blocking_violations(page) -> list[dict]:
    page.wait_for_load_state("networkidle")  # htmx panels in place
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]


def main_pages(page, world) -> list[str]:
    nav = page.locator("nav.mainnav a").evaluate_all("links => links.map(a => a.pathname)")
    assert len(nav) >= 3
    details = [world["identity"].get_absolute_url(), world["request"].get_absolute_url()]
    return [p for p in dict.fromkeys([*nav, "/inbox/", "/me/", *details]) if "/admin/" not in p]


# Every persona on a laptop; on a phone (folded navigation, scrolling tables) the two whose
# pages differ most.
RUNS = [(p, "laptop") for p in ("admin_user", "auditor", "engineer", "owner")] + [
    ("admin_user", "phone"),
    ("engineer", "phone"),
]


@pytest.mark.parametrize(("persona", "device"), RUNS)
def test_main_pages_have_no_serious_accessibility_violation(
    axe_page, request, world, persona, device
):
    user = request.getfixturevalue(persona)
    axe_page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[device], strict=True)))
    sign_in(axe_page, user.username, PASSWORD)
    found = {}
    for path in main_pages(axe_page, world):
        response = axe_page.goto(path)
        if response.status == 404:  # an identity or request outside this persona's scope
            continue
        assert response.ok, path
        violations = blocking_violations(axe_page)
        if violations:
            found[path] = violations
    assert not found, pformat(found)
