"""Shared fixtures of the identities tests (the `team` fixture is the suite's, tests/conftest)."""

import pytest

from tests.factories import PlatformFactory


@pytest.fixture
def aws(team):
    """An AWS platform owned by the Payments team (the importers' target)."""
    return PlatformFactory(slug="aws-prod", name="AWS prod", kind="aws", owning_team=team)
