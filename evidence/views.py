"""Evidence pages: access evidence, audit browser, posture, exports and bundles.

Read-only for auditors and admins (every view is GET-only but "verify now", which only asks
a worker to verify the ledger); others get 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from approvals.choices import DecisionOutcome, GrantStatus, Outcome, RequestKind, RequestStatus
from core.choices import choice_label
from core.people import people_named
from core.roles import RoleRequiredMixin, can_read_all
from core.tables import configure_uncounted
from identities.selectors import identity_counts
from lifecycle.selectors import overdue_credentials

from . import selectors, signing
from .bundle import DEFAULT_EXPORTS, bundle_build
from .checks import posture
from .exports import EXPORTS, export_csv
from .formats import FORMATS, jsonl_lines, xlsx_file
from .forms import EXPORT_CHOICES, EvidenceFilterForm
from .tables import AccessTable, ChangeTable
from .verification import chain_status, request_verification

PAGE = 50


MAX_PAGE = 200  # paging skips rows: deeper than this, narrow the filters or export


def _page(params) -> int:
    try:
        return min(max(int(params.get("page", 1)), 1), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


class ReaderRequired(RoleRequiredMixin):
    role_check = staticmethod(can_read_all)
    http_method_names = ["get", "head", "options"]


def _filters(request) -> tuple[EvidenceFilterForm, dict]:
    form = EvidenceFilterForm(request.GET or None)
    return form, (form.filters() if form.is_valid() else {})


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class IndexView(ReaderRequired, TemplateView):
    """Access evidence for the filters, first rows on the page, everything in the exports."""

    template_name = "evidence/index.html"

    def get_context_data(self, **kwargs):
        form, filters = _filters(self.request)
        page = _page(self.request.GET)
        window = ((page - 1) * PAGE, page * PAGE + 1)  # one more: is there a next page
        rows = list(EXPORTS["access"].rows(filters, self.request.user, window=window))
        shown = [_in_words(r) for r in rows[:PAGE]]
        table = AccessTable(shown, people=people_named(_usernames(shown)), noun="requests")
        return super().get_context_data(
            form=form,
            table=configure_uncounted(table, self.request, page=page, has_next=len(rows) > PAGE),
            page=page,
            query=_query(self.request),
            exports=EXPORT_CHOICES,
            chain=chain_status(),
            **kwargs,
        )


def _in_words(row: dict) -> dict:
    """An access row as the page shows it: choice labels, not the stored values the exports
    keep."""
    return {
        **row,
        "request_kind": choice_label(RequestKind, row["request_kind"]),
        "request_status": choice_label(RequestStatus, row["request_status"]),
        "policy_key": choice_label(RequestKind, row["policy_key"]),
        "policy_outcome": choice_label(Outcome, row["policy_outcome"]),
        "ended_how": row["ended_how"] and choice_label(GrantStatus, row["ended_how"]),
        "approvers": [
            {**a, "outcome": choice_label(DecisionOutcome, a.get("outcome"))}
            for a in row["approvers"]
        ],
    }


def _usernames(rows: list[dict]):
    """The people an access row names (the exports keep usernames)."""
    for r in rows:
        yield from (r["requester"], r["ended_by"], r["accountable_owner"])
        yield from (a.get("decider") for a in r["approvers"])


class AuditView(ReaderRequired, TemplateView):
    """Every change: filtered by model, actor, object and period, with field diffs."""

    template_name = "evidence/audit.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        page = _page(params)
        form, filters = _filters(self.request)
        changes, has_next = selectors.audit_changes(
            model=params.get("model") or None,
            actor=params.get("actor") or None,
            object_id=params.get("object") or None,
            filters=filters,
            page=page,
            per_page=PAGE,
        )
        table = ChangeTable(changes, noun="changes")
        return super().get_context_data(
            form=form,
            changes=changes,
            table=configure_uncounted(table, self.request, page=page, has_next=has_next),
            page=page,
            models=selectors.audit_models(),
            selected_model=params.get("model", ""),
            actor=params.get("actor", ""),
            object_id=params.get("object", ""),
            query=_query(self.request),
            chain=chain_status(),
            **kwargs,
        )


class VerifyChainView(ReaderRequired, View):
    """ "Verify the chain now": a worker verifies the ledger (a minute at a million entries,
    never in a request); the audit page shows it running, then its verdict."""

    http_method_names = ["post"]

    def post(self, request):
        if request_verification():
            messages.success(request, "Verification asked for: a worker is verifying the ledger.")
        else:
            messages.info(request, "A verification asked for earlier is still running.")
        return redirect("evidence:audit")


class ChainView(ReaderRequired, TemplateView):
    """The chain's status alone: what the audit page and the dashboard card poll while a
    verification runs."""

    template_name = "evidence/partials/_chain.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(chain=chain_status(), **kwargs)


class PostureView(ReaderRequired, TemplateView):
    template_name = "evidence/posture.html"

    def get_context_data(self, **kwargs):
        form, filters = _filters(self.request)
        user = self.request.user
        return super().get_context_data(
            form=form,
            controls=posture(filters=filters),
            query=_query(self.request),
            # the dashboard's and the rotation page's figures, from the same selectors
            identities=identity_counts(user),
            overdue=overdue_credentials(user=user, now=timezone.now()).count(),
            **kwargs,
        )


class ExportView(ReaderRequired, View):
    """`/evidence/exports/<kind>.<fmt>`: streamed CSV/JSON Lines, XLSX from a spooled file."""

    def get(self, request, kind: str, fmt: str):
        export = EXPORTS.get(kind)
        if export is None or fmt not in FORMATS:
            raise Http404("No such export.")
        form, filters = _filters(request)
        if request.GET and not form.is_valid():
            return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
        content_type, ext = FORMATS[fmt]
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        filename = f"steward-{kind}-{stamp}.{ext}"
        if fmt == "xlsx":
            return FileResponse(
                xlsx_file(*export.table(filters, request.user), title=export.title),
                as_attachment=True,
                filename=filename,
                content_type=content_type,
            )
        if fmt == "csv":
            chunks = export_csv(export, filters, request.user)
        else:
            chunks = jsonl_lines(export.columns, export.rows(filters, request.user))
        response = StreamingHttpResponse(chunks, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class BundleView(ReaderRequired, View):
    """`?include=access&include=raci...` plus the filters: the zip with its manifest."""

    def get(self, request):
        form, filters = _filters(request)
        if request.GET and not form.is_valid():
            return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
        chosen = [k for k in request.GET.getlist("include") if k in EXPORTS] or list(
            DEFAULT_EXPORTS
        )
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        try:
            signing.private_key()
        except ImproperlyConfigured as exc:  # production with no signing key: say so, once
            return HttpResponse(str(exc), status=503, content_type="text/plain")
        return FileResponse(
            bundle_build(user=request.user, filters=filters, exports=chosen),
            as_attachment=True,
            filename=f"steward-evidence-{stamp}.zip",
            content_type="application/zip",
        )


@login_not_required
@require_safe
def bundle_key(request):
    """The public key that signs evidence bundles: published (no sign-in), as a JWKS is, so an
    auditor outside Steward can verify a bundle offline (`verify_bundle.py --key`)."""
    response = HttpResponse(signing.public_key_pem(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="bundle-key.pub"'
    response["X-Key-Fingerprint"] = signing.fingerprint()
    return response


class DashboardPanelView(View):
    """The dashboard card: chain status and counts (auditors/admins; others an empty 200)."""

    http_method_names = ["get"]

    def get(self, request):
        if not can_read_all(request.user):
            return HttpResponse("")
        return render(
            request,
            "evidence/partials/_dashboard_panel.html",
            {"chain": chain_status(), "counts": selectors.evidence_counts()},
        )
