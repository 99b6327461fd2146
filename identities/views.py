"""Registry pages: thin views over identities.selectors (reads) and .services (writes)."""

from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from core import tables
from core.csv_export import SafeWriter
from core.pagination import BoundedCountPaginator
from core.roles import can_read_all, is_engineer
from core.views import ServiceFormView

from . import credentials, findings, selectors, services
from .choices import CredentialStatus, EventKind, IdentityStatus
from .conditions import ends_within
from .filtersets import IdentityFilterSet
from .forms import CredentialForm, CredentialRotateForm, IdentityEditForm, ReasonForm
from .history import history_diffs
from .tables import CredentialTable, IdentityTable

CSV_COLUMNS = [
    ("id", lambda i: i.pk),
    ("name", lambda i: i.name),
    ("kind", lambda i: i.kind),
    ("external_id", lambda i: i.external_id),
    ("platform", lambda i: i.platform.slug),
    ("team", lambda i: i.team.slug),
    ("environment", lambda i: i.environment),
    ("risk_tier", lambda i: i.risk_tier),
    ("status", lambda i: i.status),
    ("ends_on", lambda i: i.ends_on.isoformat() if i.ends_on else ""),
    ("entitlements", lambda i: ";".join(i.entitlements)),
    ("purpose", lambda i: i.purpose),
    ("created_at", lambda i: i.created_at.isoformat()),
]


class IdentityListView(View):
    # exact counts up to 1,000 identities, "1,000+" beyond (core/pagination.py)
    paginator_class = BoundedCountPaginator

    def get(self, request):
        base = selectors.identity_scope(request.user).select_related("team", "platform")
        filterset = IdentityFilterSet(request.GET or None, queryset=base)
        qs = base.none() if filterset.is_bound and not filterset.is_valid() else filterset.qs
        if request.GET.get("format") == "csv":
            return self._csv(qs)
        csv_query = request.GET.copy()
        csv_query.pop("page", None)
        csv_query["format"] = "csv"
        table = IdentityTable(
            qs, noun="identities", export_links=[("Download CSV", f"?{csv_query.urlencode()}")]
        )
        context = {
            "filterset": filterset,
            "table": tables.configure(table, request, paginator_class=self.paginator_class),
            "can_onboard": is_engineer(request.user) or can_read_all(request.user),
        }
        template = "identities/identity_list.html"
        if request.htmx and not request.htmx.boosted:
            template = "identities/partials/_identity_table.html"
        return render(request, template, context)

    def _csv(self, qs):
        writer = SafeWriter()

        def rows():
            yield writer.writerow([name for name, _ in CSV_COLUMNS])
            for identity in qs.iterator(chunk_size=2000):
                yield writer.writerow([get(identity) for _, get in CSV_COLUMNS])

        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(rows(), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="identities-{stamp}.csv"'
        return response


class IdentityDetailView(TemplateView):
    template_name = "identities/identity_detail.html"

    def get_context_data(self, **kwargs):
        identity = selectors.identity_get(user=self.request.user, pk=kwargs["pk"])
        identity_findings = list(findings.identity_findings(identity=identity))
        return super().get_context_data(
            identity=identity,
            findings=identity_findings,
            open_findings=[f for f in identity_findings if f.is_open],
            can_resolve=any(f.is_open for f in identity_findings)
            and findings.can_resolve_finding(self.request.user, identity),
            credentials=tables.configure(
                CredentialTable(selectors.identity_credentials(identity=identity)), self.request
            ),
            can_change=selectors.can_change_identity(self.request.user, identity),
            event_kinds=EventKind.choices,
            **kwargs,
        )


class IdentityTimelinePartial(TemplateView):
    """htmx partial: the identity timeline, filterable by event kind."""

    template_name = "identities/partials/_timeline.html"

    def get_context_data(self, **kwargs):
        identity = selectors.identity_get(user=self.request.user, pk=kwargs["pk"])
        kinds = [k for k in self.request.GET.getlist("kind") if k in EventKind.values]
        events = selectors.identity_timeline(identity=identity, kinds=kinds)[:200]
        return super().get_context_data(identity=identity, events=events, kinds=kinds, **kwargs)


class IdentityHistoryPartial(TemplateView):
    """htmx partial: the change history of the identity and its credentials, as field diffs."""

    template_name = "identities/partials/_history.html"

    def get_context_data(self, **kwargs):
        identity = selectors.identity_get(user=self.request.user, pk=kwargs["pk"])
        return super().get_context_data(
            identity=identity, changes=history_diffs(identity), **kwargs
        )


class _IdentityChangeView(ServiceFormView):
    """A change to an identity (or to one of its credentials: `identity_of`) by those who may
    change the identity, else 403; then back to the identity's page."""

    object_name = "identity"

    def lookup(self):
        return selectors.identity_get(user=self.request.user, pk=self.kwargs["pk"])

    def identity_of(self, obj):
        return obj

    def get_object(self):
        obj = self.lookup()
        if not selectors.can_change_identity(self.request.user, self.identity_of(obj)):
            raise PermissionDenied
        return obj

    def success_url(self, result) -> str:
        return reverse("identities:detail", args=[self.identity_of(self.object).pk])


class CredentialRecordView(_IdentityChangeView):
    template_name = "identities/credential_form.html"
    form_class = CredentialForm

    def perform(self, form):
        credentials.credential_record(
            actor=self.request.user, identity=self.object, **_filled(form)
        )

    def success_message(self, form, result) -> str:
        return "Credential recorded."


class CredentialRotateView(_IdentityChangeView):
    template_name = "identities/credential_rotate.html"
    form_class = CredentialRotateForm
    object_name = "credential"

    def lookup(self):
        return selectors.credential_get(user=self.request.user, pk=self.kwargs["pk"])

    def identity_of(self, obj):
        return obj.identity

    def perform(self, form):
        credentials.credential_rotate(
            actor=self.request.user, credential=self.object, **_filled(form)
        )

    def success_message(self, form, result) -> str:
        return f"'{self.object.label}' rotated."


class CredentialRevokeView(CredentialRotateView):
    template_name = "identities/credential_revoke.html"
    form_class = ReasonForm

    def perform(self, form):
        credentials.credential_revoke(
            actor=self.request.user, credential=self.object, reason=form.cleaned_data["reason"]
        )

    def success_message(self, form, result) -> str:
        return f"'{self.object.label}' revoked."


class DashboardPanel(TemplateView):
    """htmx partial for the dashboard: the registry at a glance, in the user's scope."""

    template_name = "identities/partials/_dashboard_panel.html"

    def get_context_data(self, **kwargs):
        # overdue credentials are lifecycle's figure (its panel): one definition, one place
        scope = selectors.identity_scope(self.request.user)
        counts = selectors.identity_counts(self.request.user)
        counts["ending"] = (
            scope.filter(ends_within(7)).exclude(status=IdentityStatus.DECOMMISSIONED).count()
        )
        counts["active_credentials"] = (
            selectors.credential_scope(self.request.user)
            .filter(status=CredentialStatus.ACTIVE)
            .count()
        )
        return super().get_context_data(counts=counts, **kwargs)


def _filled(form) -> dict:
    """Cleaned data without empty optional values, so services apply their defaults."""
    data = dict(form.cleaned_data)
    for key in ("issued_at", "expires_at"):
        if key in data and data[key] is None:
            del data[key]
    return data


class IdentityEditView(_IdentityChangeView):
    """Change an identity's details (owners and its team's engineers); history keeps the diff."""

    template_name = "identities/identity_edit.html"
    form_class = IdentityEditForm

    def get_form(self, data=None):
        if data is None:
            return IdentityEditForm(initial=IdentityEditForm.initial_for(self.object))
        return IdentityEditForm(data)

    def perform(self, form):
        changes = dict(form.cleaned_data)
        reason = changes.pop("reason")
        services.identity_update(
            actor=self.request.user, identity=self.object, reason=reason, **changes
        )

    def success_message(self, form, result) -> str:
        return f"{self.object.name} updated."


class FindingResolveView(ServiceFormView):
    """An owner (A/R) or an admin resolves a finding on an identity, with a reason."""

    template_name = "identities/finding_resolve.html"
    form_class = ReasonForm
    object_name = "finding"

    def get_object(self):
        identity = selectors.identity_get(user=self.request.user, pk=self.kwargs["pk"])
        finding = get_object_or_404(
            identity.findings.select_related("identity"), pk=self.kwargs["finding_pk"]
        )
        if not findings.can_resolve_finding(self.request.user, identity):
            raise PermissionDenied("Only the identity's owners (A or R) or an admin resolve it.")
        return finding

    def perform(self, form):
        findings.finding_resolve(
            actor=self.request.user, finding=self.object, reason=form.cleaned_data["reason"]
        )

    def success_message(self, form, result) -> str:
        return f"Finding resolved: {self.object.get_kind_display()}."

    def success_url(self, result) -> str:
        return reverse("identities:detail", args=[self.kwargs["pk"]])
