from datetime import timedelta

import pytest

from core.templatetags.steward import duration_human, hours_human


@pytest.mark.parametrize(
    ("hours", "words"),
    [
        (0.5, "30 minutes"),
        (1, "1 hour"),
        (4, "4 hours"),
        (1.5, "1 hour 30 minutes"),
        (24, "1 day"),
        (5106.19, "212 days 18 hours"),
        (72.25, "3 days"),
        (None, ""),
        ("x", "x"),
    ],
)
def test_hours_human(hours, words):
    assert hours_human(hours) == words


def test_duration_human():
    assert duration_human(timedelta(days=2, hours=5)) == "2 days 5 hours"
