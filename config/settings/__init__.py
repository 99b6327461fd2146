"""Steward settings, by concern, driven by environment variables (see README, Configuration).

The embedded default needs no server: SQLite in var/ and Celery's filesystem transport.
Production (STEWARD_ENV=production) refuses to start without its required variables.
Each module reads what it needs from the ones before it, in this order.
"""

from .api import *  # noqa: F403
from .base import *  # noqa: F403
from .logs import *  # noqa: F403
from .security import *  # noqa: F403
from .steward import *  # noqa: F403
from .tasks import *  # noqa: F403
