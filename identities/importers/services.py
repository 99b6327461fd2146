"""Import jobs: upload → plan (preview) → apply, synchronously for small files and through
Celery for large ones, with `processed` / `total` written in batches for the progress bar.

Nothing is stored before the whole file has been read and every row checked for secret
values: a file that cannot be read, or that carries a secret anywhere, creates no job. The
stored file and its planned rows are dropped once the job ends (applied, cancelled, failed).
Planning writes nothing but the job row. Applying re-plans the stored file (the registry
may have changed since the preview) and writes it in one transaction; its progress is written
through a second database connection so that a poller sees it before the commit (PostgreSQL
only; on SQLite the bar jumps to the end).
"""

from __future__ import annotations

import contextlib
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from core.history import history_actor
from core.roles import is_admin, is_engineer

from ..choices import PlatformKind
from ..models import ImportFormat, ImportJob, ImportJobStatus, Platform, Team
from ..secrets import find_secret_values, secret_reasons_memoised
from ..selectors import can_onboard_into
from .apply import apply_import
from .aws import AwsCredentialReportParser
from .base import ImportFileError, ImportPlan, ImportRow, Parser, plan_import
from .kubernetes import KubernetesServiceAccountParser
from .steward import StewardCsvParser, StewardJsonParser

log = logging.getLogger(__name__)

PARSERS: dict[str, Parser] = {
    ImportFormat.STEWARD_CSV: StewardCsvParser(),
    ImportFormat.STEWARD_JSON: StewardJsonParser(),
    ImportFormat.AWS: AwsCredentialReportParser(),
    ImportFormat.K8S: KubernetesServiceAccountParser(),
}
# Formats whose file says nothing about team or platform: both are chosen for the import.
PLATFORM_KIND = {ImportFormat.AWS: PlatformKind.AWS, ImportFormat.K8S: PlatformKind.KUBERNETES}
WHOLE_TEXT_SCAN = {ImportFormat.STEWARD_JSON, ImportFormat.K8S}
SYNC_ROW_LIMIT = 500  # smaller files are planned and applied in the request
PROGRESS_BATCH = 200


def can_import(user) -> bool:
    return is_admin(user) or is_engineer(user)


def import_check_options(
    *, actor, format: str, team: Team | None, platform: Platform | None
) -> None:
    """Who may import what where; raises PermissionDenied / ValidationError."""
    if not can_import(actor):
        raise PermissionDenied("Only admins and engineers import identities.")
    if format not in PARSERS:
        raise ValidationError({"format": f"Unknown format {format!r}."})
    if team is not None and not can_onboard_into(actor, team):
        raise PermissionDenied("You can import only into teams you belong to.")
    if format in PLATFORM_KIND:
        errors = {}
        if team is None:
            errors["team"] = "Choose the team that owns the imported identities."
        if platform is None:
            errors["platform"] = "Choose the platform the file comes from."
        elif platform.kind != PLATFORM_KIND[format]:
            errors["platform"] = (
                f"{ImportFormat(format).label} needs a "
                f"{PlatformKind(PLATFORM_KIND[format]).label} platform; {platform} is "
                f"{platform.get_kind_display()}."
            )
        if errors:
            raise ValidationError(errors)


def read_rows(
    *, format: str, content: str, options: dict, progress=None, secret_memo: dict | None = None
) -> list[ImportRow]:
    """Parse and normalize a whole file; ImportFileError for a file-level problem. Each
    distinct value is checked for secrets once (answers kept in `secret_memo` if given)."""
    parser = PARSERS[format]
    rows = []
    with secret_reasons_memoised(secret_memo):
        for index, (ref, raw) in enumerate(parser.read(content), start=1):
            rows.append(parser.normalize(ref, raw, options))
            if progress and index % PROGRESS_BATCH == 0:
                progress(index)
    return rows


def plan_file(*, actor, format: str, content: str, options: dict, team, platform) -> ImportPlan:
    """Read and plan a file; the plan keeps the secret checks' answers for its apply."""
    memo: dict = {}
    rows = read_rows(format=format, content=content, options=options, secret_memo=memo)
    plan = plan_import(actor=actor, rows=rows, format=format, team=team, platform=platform)
    plan.secret_memo = memo
    return plan


def refuse_secrets(rows: list[ImportRow], content: str, *, format: str) -> None:
    """A file with a secret value in any row is refused whole, naming where (never what).

    JSON files are then scanned whole for the known secret shapes, since the text is what a
    job stores: a token in a key, or in an annotation skipped on purpose (kubectl's
    last-applied-configuration), is refused too. (Every CSV cell is a row value, already
    checked; the scan costs seconds on a 10 MB file, so it runs only where it adds.)"""
    found = [f"{row.ref}: {message}" for row in rows for message in row.secrets]
    if not found and format in WHOLE_TEXT_SCAN:
        # An identifier field: matched against the secret shapes, not the entropy rule.
        found = [
            f"the file: {message}"
            for message in find_secret_values(
                {"file": content}, identifier_fields=("file",)
            ).values()
        ]
    if found:
        more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
        raise ImportFileError(
            "The file carries secret values, so it was not kept: "
            + " ".join(found[:5])
            + more
            + " Remove them and upload the file again."
        )


def import_preview(
    *, actor, format: str, content: str, team=None, platform=None, options=None
) -> ImportPlan:
    """Plan a file without a job (management command, tests)."""
    import_check_options(actor=actor, format=format, team=team, platform=platform)
    return plan_file(
        actor=actor,
        format=format,
        content=content,
        options=options or {},
        team=team,
        platform=platform,
    )


# --- jobs -------------------------------------------------------------------------------
def import_job_create(
    *,
    actor,
    format: str,
    content: str,
    filename: str = "",
    team: Team | None = None,
    platform: Platform | None = None,
    options: dict | None = None,
) -> ImportJob:
    """Store the upload and plan it (now if small, else in a worker). A file that cannot be
    read, or that carries a secret value in any row, raises ImportFileError and stores
    nothing: the check runs on every row before the job row exists."""
    import_check_options(actor=actor, format=format, team=team, platform=platform)
    rows = read_rows(format=format, content=content, options=options or {})
    total = len(rows)
    if total == 0:
        raise ImportFileError("The file has no rows to import.")
    refuse_secrets(rows, content, format=format)
    job = ImportJob.objects.create(
        created_by=actor,
        format=format,
        team=team,
        platform=platform,
        options=options or {},
        filename=filename[:255],
        content=content,
        total=total,
    )
    if total <= SYNC_ROW_LIMIT:
        import_job_plan(job_id=job.pk)
        job.refresh_from_db()
    else:
        from ..tasks import import_job_plan_task

        transaction.on_commit(lambda: import_job_plan_task.delay(job.pk))
    return job


def _progress(job_id: int):
    def write(processed: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed=processed)

    return write


# A job that has ended keeps its outcome (counts, errors, message), never the file or rows.
ENDED = {"content": "", "rows": []}


def _fail(job_id: int, message: str, errors: dict | None = None, counts=None) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJobStatus.FAILED,
        message=message,
        errors=errors or {},
        finished_at=timezone.now(),
        **({"counts": counts} if counts is not None else {}),
        **ENDED,
    )


def import_job_plan(*, job_id: int) -> None:
    """Plan a pending job (idempotent: a job already claimed is left alone)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.PENDING).update(
        status=ImportJobStatus.PLANNING, processed=0
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("created_by", "team", "platform").get(pk=job_id)
    try:
        rows = read_rows(
            format=job.format, content=job.content, options=job.options, progress=_progress(job_id)
        )
        plan = plan_import(
            actor=job.created_by, rows=rows, format=job.format, team=job.team, platform=job.platform
        )
    except ValidationError as exc:
        _fail(job_id, " ".join(exc.messages))
        return
    if any(row.secrets for row in rows):  # checked at upload; a stored file never has one
        _fail(job_id, "The file carries secret values; it was not kept.", plan.errors)
        return
    # Conditional: a job cancelled while it was being planned stays cancelled.
    ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.PLANNING).update(
        rows=plan.rows_json(),
        counts=plan.counts,
        errors=plan.errors,
        total=len(rows),
        processed=len(rows),
        status=ImportJobStatus.READY,
    )


def import_job_get(*, user, pk) -> ImportJob:
    """A job is visible to whoever uploaded it, and to admins."""
    from django.http import Http404

    jobs = ImportJob.objects.select_related("team", "platform", "created_by")
    if not is_admin(user):
        jobs = jobs.filter(created_by=user)
    try:
        return jobs.get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404("No such import.") from None


def import_job_list(*, user):
    jobs = ImportJob.objects.select_related("team", "platform", "created_by").defer(
        "content", "rows"
    )
    return jobs if is_admin(user) else jobs.filter(created_by=user)


def import_job_start_apply(*, actor, job: ImportJob) -> None:
    """Claim a ready, clean job for applying (exactly once) and run or enqueue it."""
    if job.created_by_id != actor.pk and not is_admin(actor):
        raise PermissionDenied("Only the person who uploaded the file applies it.")
    if job.counts.get("error"):
        raise ValidationError("Rows have errors: fix the file and upload it again.")
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.READY).update(
        status=ImportJobStatus.APPLYING, processed=0
    )
    if not claimed:
        raise ValidationError("This import is not waiting to be applied (already started?).")
    if job.total <= SYNC_ROW_LIMIT:
        import_job_apply(job_id=job.pk)
    else:
        from ..tasks import import_job_apply_task

        transaction.on_commit(lambda: import_job_apply_task.delay(job.pk))


def import_job_apply(*, job_id: int, live_progress: bool = False) -> None:
    """Re-plan and apply a claimed job in one transaction; the job records the outcome."""
    job = ImportJob.objects.select_related("created_by", "team", "platform").get(pk=job_id)
    if job.status != ImportJobStatus.APPLYING:
        return
    try:
        plan = plan_file(
            actor=job.created_by,
            format=job.format,
            content=job.content,
            options=job.options,
            team=job.team,
            platform=job.platform,
        )
        if plan.has_errors:
            _fail(
                job_id,
                "The registry changed since the preview: rows now have errors.",
                plan.errors,
                counts=plan.counts,
            )
            return
        with (
            history_actor(job.created_by),
            _side_progress(job_id, enabled=live_progress) as progress,
        ):
            written = apply_import(
                actor=job.created_by,
                plan=plan,
                reference=f"import #{job.pk} {job.filename}".strip(),
                progress=progress,
            )
    except (ValidationError, PermissionDenied) as exc:
        messages = getattr(exc, "messages", None) or [str(exc)]
        _fail(job_id, " ".join(messages))
        return
    except Exception:
        _fail(job_id, "The import failed unexpectedly; nothing was written.")
        raise
    counts = {**plan.counts, "written": written}
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJobStatus.DONE,
        processed=job.total,
        counts=counts,
        errors={},
        finished_at=timezone.now(),
        **ENDED,
    )


CANCELLABLE = (ImportJobStatus.PENDING, ImportJobStatus.PLANNING, ImportJobStatus.READY)


def import_job_cancel(*, actor, job: ImportJob) -> None:
    """Drop a job that will not be applied (and its file). Claimed conditionally: a job
    being applied cannot be cancelled, and cancelling twice is refused."""
    if job.created_by_id != actor.pk and not is_admin(actor):
        raise PermissionDenied("Only the person who uploaded the file cancels it.")
    cancelled = ImportJob.objects.filter(pk=job.pk, status__in=CANCELLABLE).update(
        status=ImportJobStatus.CANCELLED,
        message=f"Cancelled by {actor}.",
        finished_at=timezone.now(),
        **ENDED,
    )
    if not cancelled:
        raise ValidationError("This import can no longer be cancelled (applied or ended).")


@contextlib.contextmanager
def _side_progress(job_id: int, *, enabled: bool):
    """A progress writer outside the apply transaction: a second connection in autocommit.

    The apply transaction never touches the job row, so the two cannot wait on each other.
    """
    if not enabled or connection.vendor != "postgresql":
        yield None
        return
    side = connection.copy()
    table = ImportJob._meta.db_table

    def write(processed: int) -> None:
        try:
            with side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET processed = %s WHERE id = %s",  # noqa: S608
                    [processed, job_id],
                )
        except Exception:  # progress is best effort; the import itself must not fail
            log.warning("import #%s: could not write progress", job_id, exc_info=True)

    try:
        yield write
    finally:
        side.close()
