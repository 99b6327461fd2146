"""The Content-Security-Policy holds in a real browser: pages load with no violation, and htmx
(panels, filters) still works without eval, inline scripts or inline styles."""

import pytest

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

# Collects violations in the page (an init script runs outside the page's CSP).
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _watch(page) -> list[str]:
    console: list[str] = []
    page.on(
        "console",
        lambda msg: console.append(msg.text) if msg.type in {"error", "warning"} else None,
    )
    page.add_init_script(WATCH)
    return console


def _violations(page, console) -> list[str]:
    found = page.evaluate("window.__csp || []")
    return found + [m for m in console if "Content Security Policy" in m]


def test_dashboard_loads_its_htmx_panels_with_no_csp_violation(page, admin_user):
    console = _watch(page)
    sign_in(page, admin_user.username, PASSWORD)
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # core's status panel arrives through htmx (hx-trigger="load"), replacing "Loading…".
    page.get_by_text("Worker and beat alive").or_(page.get_by_text("No heartbeat yet")).wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("section.panel", has_text="Loading…").count() == 0
    assert page.evaluate("window.htmx.config.allowEval") is False
    assert _violations(page, console) == []


def test_main_pages_load_with_no_csp_violation(page, admin_user):
    console = _watch(page)
    sign_in(page, admin_user.username, PASSWORD)
    links = page.locator("nav.mainnav a").evaluate_all("links => links.map(a => a.pathname)")
    assert len(links) >= 4
    for path in [*links, "/inbox/", "/me/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert _violations(page, console) == [], path


def test_htmx_filter_swaps_the_identity_table_under_the_policy(page, admin_user):
    from tests.factories import IdentityFactory

    IdentityFactory(name="billing-exporter")
    IdentityFactory(name="deploy-bot")
    console = _watch(page)
    sign_in(page, admin_user.username, PASSWORD)
    page.goto("/identities/")
    page.get_by_text("deploy-bot").wait_for()
    with page.expect_response(lambda r: "q=billing" in r.url):
        page.locator("input[name=q]").press_sequentially("billing")
    page.get_by_text("deploy-bot").wait_for(state="detached")
    assert page.get_by_text("billing-exporter").is_visible()
    assert _violations(page, console) == []
