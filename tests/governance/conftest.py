import pytest

from tests.governance.factories import default_domains


@pytest.fixture
def domains(db):
    return default_domains()
