import pytest

from tests.governance.factories import default_domains


@pytest.fixture
def domains(db):
    return default_domains()


# Real-browser fixtures for tests/governance/test_e2e_*.py.
from tests.e2e.conftest import browser, page, screenshot  # noqa: E402, F401
