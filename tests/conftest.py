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
    _flush_by_delete()


def _flush_by_delete() -> None:
    """A transactional test (live server, workers, browsers) ends with Django's flush, which
    on PostgreSQL is one TRUNCATE of every table: a new file for each table and index, about a
    second per test on a quiet machine, many on a busy one. DELETE empties the same tables, the
    same way (every foreign key is DEFERRABLE INITIALLY DEFERRED, so checked at the flush's
    commit, when all are empty), ten times faster for a test's few rows. Sequence resets and
    cascades keep TRUNCATE."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        delete = style.SQL_KEYWORD("DELETE FROM")
        return [f"{delete} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]

    DatabaseOperations.sql_flush = sql_flush


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
    _longest_first(items)


# The longest kinds of test, longest first (see _longest_first).
LONGEST = ("bench", "worker", "e2e")


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    flagged = marker is not None and any(
        marker.kwargs.get(k) for k in ("transaction", "reset_sequences")
    )
    fixtures = set(getattr(item, "fixturenames", ()))
    return flagged or bool(fixtures & {"transactional_db", "live_server"})


def _longest_first(items) -> None:
    """pytest-django runs transactional tests after the others; among them, start with the
    longest kinds (all transactional): a parallel run then ends on short tests, not with one
    worker idle while another is still in the benchmark or a browser journey."""
    transactional = [_transactional(it) for it in items]
    if not any(transactional):
        return
    rank = {
        item: next((i for i, m in enumerate(LONGEST) if m in item.keywords), None) if t else None
        for item, t in zip(items, transactional, strict=True)
    }
    longest = sorted((it for it in items if rank[it] is not None), key=rank.__getitem__)
    start = transactional.index(True)  # the tests before it stay where they are
    rest = [it for it in items if rank[it] is None]
    items[:] = rest[:start] + longest + rest[start:]


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
