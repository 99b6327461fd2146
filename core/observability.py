"""Request ids on every log line, carried into Celery tasks; JSON lines; no secrets logged.

RequestIdMiddleware sets a contextvar for the request (an incoming well-formed X-Request-ID
is kept, anything else is replaced); RequestIdFilter copies it onto each log record; Celery's
`before_task_publish` puts it in the task's headers and `task_prerun` restores it in the
worker, so the lines of a task enqueued by a request carry that request's id.
"""

import contextvars
import logging
import re
import time
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

access_logger = logging.getLogger("steward.requests")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
HEADER = "X-Request-ID"
TASK_HEADER = "steward_request_id"
# Accept what proxies and load balancers send (uuids, hex, base64url-ish), nothing that could
# smuggle new log fields or lines.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

# Defence in depth: values that look like credentials are masked before a line is written.
_SECRET_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\bstw_[A-Za-z0-9_-]{8,}"),
    re.compile(r"(?i)\b(password|passwd|secret|api[_-]?key|access[_-]?key|token)=[^\s&]+"),
    re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}\b"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
)


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _WELL_FORMED.match(incoming) else new_request_id()
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            # The path only: a query string may carry anything a client chose to put there.
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
        finally:
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record and masks credential-looking values in the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time, level, logger, message, request id, and any `extra`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "{asctime}{levelname}{name}{message}{request_id}")
        kwargs.setdefault("style", "{")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_data: dict) -> dict:
        # django.request passes the request object as `extra`: its repr carries the query
        # string. Keep only the path; mask credential-looking text in every other field.
        request = log_data.pop("request", None)
        if request is not None and hasattr(request, "path"):
            log_data["path"] = request.path
        for key, value in log_data.items():
            if isinstance(value, str):
                log_data[key] = redact(value)
        return super().process_log_record(log_data)

    def formatException(self, ei) -> str:
        return redact(super().formatException(ei))


# --- Celery: carry the id from the request into the tasks it enqueues ---------------------
@before_task_publish.connect(weak=False)
def _publish_request_id(headers=None, **kwargs):
    if headers is not None and request_id_var.get() != "-":
        headers.setdefault(TASK_HEADER, request_id_var.get())


_task_tokens: dict[str, contextvars.Token] = {}


@task_prerun.connect(weak=False)
def _restore_request_id(task_id=None, task=None, **kwargs):
    incoming = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if not incoming and task is not None:
        incoming = (getattr(task.request, "headers", None) or {}).get(TASK_HEADER)
    if incoming and _WELL_FORMED.match(incoming):
        request_id = incoming
    elif request_id_var.get() != "-":  # an eager task inside a request keeps the request's id
        request_id = request_id_var.get()
    else:
        request_id = f"task-{task_id}"
    _task_tokens[task_id] = request_id_var.set(request_id)


@task_postrun.connect(weak=False)
def _clear_request_id(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:  # set in another context (eager tasks inside a request)
            request_id_var.set("-")


# --- writes: who did what to which object -----------------------------------------------
audit_logger = logging.getLogger("steward.writes")


def log_write(action: str, *, actor, obj, **fields) -> None:
    """One line per service write: the action, the user id and the object acted on (type and
    id). Only ids and short codes go in `fields` — never free text or secret values."""
    user_id = getattr(actor, "pk", None)
    object_type = obj._meta.label if obj is not None else ""
    object_id = getattr(obj, "pk", None)
    audit_logger.info(
        "%s %s#%s by user %s",
        action,
        object_type,
        object_id,
        user_id,
        extra={
            "action": action,
            "user_id": user_id,
            "object_type": object_type,
            "object_id": object_id,
            **fields,
        },
    )
