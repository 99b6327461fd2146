"""Prometheus metrics: one registry, request and task instruments, and scrape-time gauges.

We use prometheus-client directly rather than django-prometheus: we need one middleware, two
Celery signal handlers and a collector, not database/cache backend wrappers and a second set
of middleware at both ends of the stack. Each app registers its own governance gauges with
`register_gauges` from its AppConfig.ready(), so core imports no higher app.

With several processes (gunicorn workers, a prefork Celery pool) set PROMETHEUS_MULTIPROC_DIR
to a directory they share: the scrape then merges every process's values (prometheus-client
multiprocess mode). Scrape-time gauges are computed from the database and need no sharing.
"""

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterable

from celery.signals import task_failure, task_postrun, task_prerun
from django.conf import settings
from django.db import connection
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_LATENCY = Histogram(
    "steward_http_request_duration_seconds",
    "Time to answer a request, by view (URL name), method and status.",
    ["view", "method", "status"],
    registry=REGISTRY,
)
REQUEST_QUERIES = Histogram(
    "steward_http_request_db_queries",
    "Database queries run to answer a request, by view.",
    ["view"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
    registry=REGISTRY,
)
TASK_RUNS = Counter(
    "steward_celery_task_runs",
    "Celery task runs by task name and outcome (success, failure, retry...).",
    ["task", "outcome"],
    registry=REGISTRY,
)
TASK_FAILURES = Counter(
    "steward_celery_task_failures", "Celery task failures by task name.", ["task"],
    registry=REGISTRY,
)  # fmt: skip
TASK_DURATION = Histogram(
    "steward_celery_task_duration_seconds",
    "Celery task run time by task name.",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900),
    registry=REGISTRY,
)


# --- requests ---------------------------------------------------------------------------
class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        queries = [0]

        def count(execute, sql, params, many, context):
            queries[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # URL names only: a label per raw path would grow without bound.
        view = (match.view_name or match.route) if match else "unresolved"
        REQUEST_LATENCY.labels(view, request.method, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        REQUEST_QUERIES.labels(view).observe(queries[0])
        return response


# --- Celery tasks -----------------------------------------------------------------------
_task_started: dict[str, float] = {}


@task_prerun.connect(weak=False)
def _task_started_at(task_id=None, **kwargs):
    _task_started[task_id] = time.perf_counter()


@task_postrun.connect(weak=False)
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    name = getattr(task, "name", "unknown")
    started = _task_started.pop(task_id, None)
    if started is not None:
        TASK_DURATION.labels(name).observe(time.perf_counter() - started)
    TASK_RUNS.labels(name, (state or "unknown").lower()).inc()


@task_failure.connect(weak=False)
def _task_failed(sender=None, **kwargs):
    TASK_FAILURES.labels(getattr(sender, "name", "unknown")).inc()


# --- scrape-time gauges -----------------------------------------------------------------
# A gauge function returns {metric suffix: (help, value)}; it runs at every scrape, so it
# must be a few set-based queries.
GaugeFunction = Callable[[], dict[str, tuple[str, float]]]
_gauge_functions: dict[str, GaugeFunction] = {}


def register_gauges(name: str, function: GaugeFunction) -> None:
    """Called from an app's ready(); re-registering a name replaces it (autoreload, tests)."""
    _gauge_functions[name] = function


class GaugeCollector:
    def collect(self) -> Iterable[GaugeMetricFamily]:
        for function in list(_gauge_functions.values()):
            for suffix, (help_text, value) in function().items():
                yield GaugeMetricFamily(f"steward_{suffix}", help_text, value=value)

    def describe(self):
        return []  # computed at scrape time; nothing to describe up front


def scrape_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    registry.register(GaugeCollector())
    return registry


class _Forward:
    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()

    def describe(self):
        return []


# --- who may read /metrics and the detailed /healthz ------------------------------------
def has_metrics_credential(request) -> bool:
    """A bearer token equal to METRICS_TOKEN, or a caller address in METRICS_ALLOWED_IPS."""
    token = settings.METRICS_TOKEN
    parts = request.headers.get("Authorization", "").split()
    bearer = len(parts) == 2 and parts[0].lower() == "bearer"
    if token and bearer and hmac.compare_digest(parts[1].encode(), token.encode()):
        return True
    allowed = settings.METRICS_ALLOWED_IPS
    if allowed:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in allowed)
    return False
