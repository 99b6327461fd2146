import os
import shutil

import pytest
from django.db import connection

from core.roles import ADMINS, AUDITORS, ENGINEERS
from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config):
    from django.conf import settings

    # Fast hashing: password strength is not under test, and PBKDF2 dominates fixture setup.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    skip_pg = pytest.mark.skip(reason="PostgreSQL-only: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            if IN_CI:
                raise pytest.UsageError(
                    "CI must run PostgreSQL-only tests: DATABASE_URL is not PostgreSQL"
                )
            item.add_marker(skip_pg)


# --- personas ---------------------------------------------------------------------------
@pytest.fixture
def admin_user(db):
    return UserFactory(username="alice-admin", groups=[ADMINS])


@pytest.fixture
def auditor(db):
    return UserFactory(username="dana-auditor", groups=[AUDITORS])


@pytest.fixture
def engineer(db):
    return UserFactory(username="erin-engineer", groups=[ENGINEERS])


@pytest.fixture
def owner(db):
    return UserFactory(username="olu-owner", groups=[ENGINEERS])


@pytest.fixture
def outsider(db):
    """Signed in, but in no role group and no team."""
    return UserFactory(username="oscar-outsider")


PERSONAS = ("admin_user", "auditor", "engineer", "owner", "outsider")


def persona_name(request, persona) -> str:
    """The fixture name of `persona` (the user a `persona` parametrisation resolved to)."""
    return next(p for p in PERSONAS if request.getfixturevalue(p) == persona)


@pytest.fixture
def team(engineer):
    """Payments, with the engineer as a member."""
    from tests.factories import TeamFactory

    return TeamFactory(name="Payments", slug="payments", members=[engineer])


@pytest.fixture
def persona(request):
    """Parametrise with `@pytest.mark.parametrize("persona", PERSONAS, indirect=True)`."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def governed(db, owner):
    """The seeded control domains and default approval policies (recreated after a
    transactional test's flush), with `owner` the global A of every domain."""
    from approvals.defaults import seed_policies
    from approvals.models import ApprovalPolicy
    from governance.models import ControlDomain
    from tests.governance.factories import AssignmentFactory, default_domains

    domains = default_domains()
    seed_policies(ApprovalPolicy, ApprovalPolicy.history.model, ControlDomain)
    for domain in domains.values():
        if not domain.assignments.filter(scope_kind="global", role="A").exists():
            AssignmentFactory(domain=domain, scope_kind="global", role="A", assignee_user=owner)
    return domains
