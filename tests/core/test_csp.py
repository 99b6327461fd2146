"""The Content-Security-Policy is sent, and no template relies on what it forbids (the
browser test in tests/e2e/test_csp.py proves the pages themselves)."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# What a policy without 'unsafe-inline' / 'unsafe-eval' blocks.
FORBIDDEN = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "style attribute": re.compile(r"\sstyle=", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "on* handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "hx-on (eval)": re.compile(r"\shx-on[:-]", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_no_template_uses_inline_script_style_or_handlers():
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for what, pattern in FORBIDDEN.items()
        if pattern.search(path.read_text())
    ]
    assert found == []


@pytest.mark.django_db
def test_pages_send_a_policy_without_unsafe_sources(client, admin_user):
    client.force_login(admin_user)
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


@pytest.mark.django_db
def test_only_the_api_docs_pages_allow_inline_script(client, admin_user):
    client.force_login(admin_user)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "'unsafe-inline'" in docs["Content-Security-Policy"]
