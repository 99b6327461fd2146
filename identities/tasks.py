"""Thin Celery tasks for the registry: they take primary keys and call services."""

from celery import shared_task

from .importers.services import import_job_apply, import_job_plan


@shared_task(name="identities.tasks.import_job_plan", ignore_result=True)
def import_job_plan_task(job_id: int) -> None:
    import_job_plan(job_id=job_id)


@shared_task(name="identities.tasks.import_job_apply", ignore_result=True)
def import_job_apply_task(job_id: int) -> None:
    import_job_apply(job_id=job_id, live_progress=True)
