"""Delivery through the real broker: beat's heartbeat task runs in a real worker process."""

import pytest

from core.models import Heartbeat
from core.tasks import heartbeat
from tests.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_heartbeat_sent_through_broker_is_run_by_a_worker():
    with celery_worker() as (_proc, queue):
        heartbeat.apply_async(queue=queue)
        beat = wait_for(lambda: Heartbeat.objects.filter(name="heartbeat").first(), timeout=60)
    assert beat.worker  # the worker's host name, written in the worker process


def test_task_enqueued_during_a_request_logs_with_that_request_id():
    import json

    from core.observability import request_id_var
    from tests.worker import LOGS

    with celery_worker(env={"LOG_FORMAT": "json"}) as (_proc, queue):
        token = request_id_var.set("req-into-worker-0001")
        try:
            heartbeat.apply_async(queue=queue)
        finally:
            request_id_var.reset(token)
        wait_for(lambda: Heartbeat.objects.filter(name="heartbeat").exists(), timeout=60)

        def task_lines():
            text = (LOGS / f"worker-{queue}.log").read_text(errors="replace")
            records = []
            for line in text.splitlines():
                if line.startswith("{"):
                    records.append(json.loads(line))
            return [r for r in records if r.get("request_id") == "req-into-worker-0001"]

        lines = wait_for(task_lines, timeout=20)
    assert any("succeeded" in r["message"] for r in lines)
