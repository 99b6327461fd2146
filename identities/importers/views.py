"""Import pages: upload → preview (progress while planning) → apply → result.

Admins and engineers; engineers import only into their teams (the form offers only those and
the services check again). A job is visible to whoever uploaded it and to admins.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.decorators.http import require_POST

from core.roles import RoleRequiredMixin, require
from core.tables import configure
from core.uploads import request_too_large

from .base import ACTIONS
from .forms import ImportUploadForm
from .services import (
    can_import,
    import_job_cancel,
    import_job_create,
    import_job_get,
    import_job_list,
    import_job_start_apply,
)
from .tables import ImportJobTable, ImportRowTable

ROWS_PER_PAGE = 100
RECENT_JOBS = 10


class ImportUploadView(RoleRequiredMixin, View):
    role_check = staticmethod(can_import)
    template_name = "identities/import/upload.html"

    def get(self, request):
        return self._render(ImportUploadForm(user=request.user))

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES, user=request.user)
        if request_too_large(request):
            form.refuse_oversized()
            return self._render(form, status=400)
        if form.is_valid():
            filename, content = form.cleaned_data["file"]
            try:
                job = import_job_create(
                    actor=request.user,
                    format=form.cleaned_data["format"],
                    content=content,
                    filename=filename,
                    team=form.cleaned_data["team"],
                    platform=form.cleaned_data["platform"],
                    options=form.options,
                )
            except PermissionDenied as exc:
                form.add_error("team", str(exc))
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                return redirect("identities:import:job", pk=job.pk)
        return self._render(form, status=400)

    def _render(self, form, status=200):
        jobs = ImportJobTable(import_job_list(user=self.request.user), noun="imports")
        jobs = configure(jobs, self.request, per_page=RECENT_JOBS)
        return render(self.request, self.template_name, {"form": form, "jobs": jobs}, status=status)


class ImportJobView(RoleRequiredMixin, View):
    role_check = staticmethod(can_import)

    def get(self, request, pk: int):
        job = import_job_get(user=request.user, pk=pk)
        action = request.GET.get("action", "")
        rows = [r for r in job.rows if r["action"] == action] if action in ACTIONS else job.rows
        empty = f"No rows with action “{action}”." if action in ACTIONS else "No rows."
        table = ImportRowTable(rows, noun="rows", empty_text=empty)
        table = configure(table, request, per_page=ROWS_PER_PAGE)
        return render(
            request,
            "identities/import/job.html",
            {"job": job, "table": table, "action": action, "actions": ACTIONS},
        )


class ImportJobProgressView(RoleRequiredMixin, View):
    """htmx partial polled while a job plans or applies; reloads the page when it ends."""

    role_check = staticmethod(can_import)

    def get(self, request, pk: int):
        job = import_job_get(user=request.user, pk=pk)
        response = render(request, "identities/import/partials/_progress.html", {"job": job})
        if not job.is_running and request.htmx:
            response["HX-Refresh"] = "true"
        return response


@require_POST
def import_job_apply_view(request, pk: int) -> HttpResponse:
    require(can_import, request.user)
    job = import_job_get(user=request.user, pk=pk)
    try:
        import_job_start_apply(actor=request.user, job=job)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        job.refresh_from_db()
        if job.status == "done":
            messages.success(request, "Import applied.")
        elif job.status == "failed":
            messages.error(request, f"Import failed, nothing was written: {job.message}")
        else:
            messages.info(request, "Import started; this page shows its progress.")
    return redirect("identities:import:job", pk=pk)


@require_POST
def import_job_cancel_view(request, pk: int) -> HttpResponse:
    require(can_import, request.user)
    job = import_job_get(user=request.user, pk=pk)
    try:
        import_job_cancel(actor=request.user, job=job)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "Import cancelled; its file was discarded.")
    return redirect("identities:import:job", pk=pk)
