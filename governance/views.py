"""Ownership pages: the RACI matrix (htmx cell editor), gaps, dashboard card, owners panel.

Views are thin: selectors read, services write and enforce the rules."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from django_tables2.data import TableListData

from core import tables
from core.csv_export import SafeWriter
from core.roles import RoleRequiredMixin, can_read_all, is_admin
from identities.models import Platform, Team
from identities.selectors import identity_get, identity_scope

from . import selectors
from .choices import Scope
from .exports import matrix_rows
from .filtersets import GapFilterSet
from .forms import AsOfForm, AssignmentForm, IdentityOverrideForm
from .models import Assignment, ControlDomain
from .services import assignment_remove, assignment_set
from .tables import GapTable

SCOPE_MODELS = {Scope.PLATFORM: Platform, Scope.TEAM: Team}


class ReaderRequired(RoleRequiredMixin):
    role_check = staticmethod(selectors.can_read_ownership)


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


# --- the matrix -------------------------------------------------------------------------
class MatrixView(ReaderRequired, TemplateView):
    template_name = "governance/matrix.html"

    def get_context_data(self, **kwargs):
        domains, rows = selectors.matrix(user=self.request.user)
        return super().get_context_data(
            domains=domains,
            rows=rows,
            can_edit=is_admin(self.request.user),
            as_of_form=AsOfForm(),
            **kwargs,
        )


def _scope(scope_kind: str, scope_id: int):
    if scope_kind == Scope.GLOBAL:
        return None
    model = SCOPE_MODELS.get(scope_kind)
    if model is None:
        raise Http404("The matrix edits global, platform and team scopes.")
    return get_object_or_404(model, pk=scope_id)


class MatrixCellView(ReaderRequired, View):
    """GET: one cell (`?edit=1`: its editor, admins). POST: add an entry to the cell."""

    def setup_cell(self, domain_pk, scope_kind, scope_id):
        self.domain = get_object_or_404(ControlDomain, pk=domain_pk)
        self.scope_obj = _scope(scope_kind, scope_id)
        self.scope_kind = scope_kind

    def render_cell(self, *, edit=False, form=None, errors=None, status=200):
        cell = selectors.matrix_cell(
            domain=self.domain,
            scope_kind=self.scope_kind,
            scope_id=self.scope_obj.pk if self.scope_obj else None,
        )
        template = "_matrix_cell_editor.html" if edit else "_matrix_cell.html"
        return render(
            self.request,
            f"governance/partials/{template}",
            {
                "cell": cell,
                "scope_obj": self.scope_obj,
                "form": form or AssignmentForm(),
                "errors": errors or [],
                "can_edit": is_admin(self.request.user),
            },
            status=status,
        )

    def get(self, request, domain_pk, scope_kind, scope_id):
        self.setup_cell(domain_pk, scope_kind, scope_id)
        edit = request.GET.get("edit") == "1"
        if edit and not is_admin(request.user):
            raise PermissionDenied
        return self.render_cell(edit=edit)

    def post(self, request, domain_pk, scope_kind, scope_id):
        if not is_admin(request.user):
            raise PermissionDenied
        self.setup_cell(domain_pk, scope_kind, scope_id)
        form = AssignmentForm(request.POST)
        if not form.is_valid():
            return self.render_cell(edit=True, form=form)
        try:
            assignment_set(
                actor=request.user,
                domain=self.domain,
                scope_kind=self.scope_kind,
                scope_obj=self.scope_obj,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            return self.render_cell(edit=True, form=form, errors=_errors(exc))
        return self.render_cell(edit=True)


class AssignmentRemoveView(ReaderRequired, View):
    """POST: remove an entry (admins). The reason comes from the hx-prompt or the form."""

    def post(self, request, pk):
        if not is_admin(request.user):
            raise PermissionDenied
        assignment = get_object_or_404(
            Assignment.objects.select_related("domain", "platform", "team", "identity"), pk=pk
        )
        reason = request.POST.get("reason") or (request.htmx.prompt if request.htmx else "") or ""
        errors = []
        try:
            assignment_remove(actor=request.user, assignment=assignment, reason=reason)
        except ValidationError as exc:
            errors = _errors(exc)
        if assignment.scope_kind == Scope.IDENTITY:
            return _owners_response(request, assignment.identity, errors=errors)
        view = MatrixCellView()
        view.request = request
        view.domain, view.scope_kind = assignment.domain, assignment.scope_kind
        view.scope_obj = assignment.scope_obj
        return view.render_cell(edit=True, errors=errors)


class MatrixExportView(ReaderRequired, View):
    """CSV of the matrix, now or `?as_of=YYYY-MM-DD` (end of that day) from history."""

    def get(self, request):
        form = AsOfForm(request.GET)
        as_of = form.cleaned_data.get("as_of") if form.is_valid() else None
        moment = form.moment() if as_of is not None else None
        stamp = as_of.isoformat() if as_of else timezone.localdate().isoformat()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="raci-matrix-{stamp}.csv"'
        writer = SafeWriter(response)
        scope = None if can_read_all(request.user) else identity_scope(request.user)
        for row in matrix_rows(as_of=moment, identity_ids=scope):
            writer.writerow(row)
        return response


# --- gaps -------------------------------------------------------------------------------
class _GapData(TableListData):
    """The report's rows for its table: given as django-tables2's list data (a plain sequence
    would be copied into a list, every gap read); a header's sort is the report's own SQL
    order (`GapList.sort_by`)."""

    def order_by(self, aliases):
        self.data.sort_by(list(aliases))


class GapsView(ReaderRequired, TemplateView):
    template_name = "governance/gaps.html"

    def get_context_data(self, **kwargs):
        filters = self.request.GET
        gaps = selectors.ownership_gaps(user=self.request.user, filters=filters)
        return super().get_context_data(
            filterset=GapFilterSet(filters),
            table=tables.configure(GapTable(_GapData(gaps), noun="gaps"), self.request),
            total=len(gaps),
            identities=gaps.identities,
            **kwargs,
        )


class DashboardPanelView(ReaderRequired, TemplateView):
    template_name = "governance/partials/_dashboard_panel.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(gap_count=selectors.gap_count(user=self.request.user))


# --- the identity page's owners panel ---------------------------------------------------
def _owners_response(request, identity, *, form=None, errors=None, status=200):
    owners = selectors.identity_owners(identity=identity)
    overrides = Assignment.objects.filter(identity=identity).select_related(
        "domain", "assignee_user", "assignee_team"
    )
    return render(
        request,
        "governance/partials/_identity_owners.html",
        {
            "identity": identity,
            "owners": owners.values(),
            "overrides": overrides,
            "can_edit": is_admin(request.user),
            "form": form or IdentityOverrideForm(),
            "errors": errors or [],
        },
        status=status,
    )


class IdentityOwnersView(View):
    """GET: the owners panel of one identity (in the user's scope, else 404).
    POST (admins): an identity-level override."""

    def get(self, request, pk):
        return _owners_response(request, identity_get(user=request.user, pk=pk))

    def post(self, request, pk):
        identity = identity_get(user=request.user, pk=pk)
        if not is_admin(request.user):
            raise PermissionDenied
        form = IdentityOverrideForm(request.POST)
        if not form.is_valid():
            return _owners_response(request, identity, form=form)
        data = dict(form.cleaned_data)
        try:
            assignment_set(
                actor=request.user,
                scope_kind=Scope.IDENTITY,
                scope_obj=identity,
                **data,
            )
        except ValidationError as exc:
            return _owners_response(request, identity, form=form, errors=_errors(exc))
        return _owners_response(request, identity)


# --- panels for the directory pages (identities' team and person pages) -----------------
class AssignmentsPanelView(RoleRequiredMixin, TemplateView):
    """The RACI roles a person holds, or that a team holds or is the scope of: what a leaver
    leaves behind, and the team's roles (admins and auditors, who read the directory)."""

    role_check = staticmethod(can_read_all)
    template_name = "governance/partials/_assignments.html"

    def get_context_data(self, kind, pk, **kwargs):
        if kind not in {"person", "team"}:
            raise Http404("No such panel.")
        rows = Assignment.objects.select_related(
            "domain", "platform", "team", "identity", "assignee_user", "assignee_team"
        ).order_by("domain__position", "role", "scope_kind")
        if kind == "person":
            rows = rows.filter(assignee_user_id=pk)
        else:
            rows = rows.filter(Q(assignee_team_id=pk) | Q(scope_kind=Scope.TEAM, team_id=pk))
        return super().get_context_data(kind=kind, assignments=rows, **kwargs)
