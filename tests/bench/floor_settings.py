"""Figure 7's floor: Steward's settings, with the URLconf that adds the constant endpoint
(tests/bench/floor_urls.py). The figure's gunicorn runs with these settings."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.floor_urls"
