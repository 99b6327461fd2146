"""Usage pages: the signals inbox and triage, records, CSV upload (preview → apply),
chargeback, and the dashboard and identity panels. Thin callers of selectors and services."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import TemplateView

from core import tables
from core.csv_export import SafeWriter
from core.errors import Conflict
from core.roles import RoleRequiredMixin, can_read_all, is_engineer
from governance.selectors import identity_owners
from identities.selectors import identity_get, identity_scope, identity_timeline

from . import selectors, services
from .chargeback import GROUPS, chargeback, csv_rows, svg_chart
from .choices import UNRESOLVED, SignalKind, SignalStatus
from .filtersets import SignalFilterSet, UsageRecordFilterSet
from .forms import NoteForm, TriageForm, UsageUploadForm
from .ingest import ACTIONS, UsageFileError, can_ingest, read_csv
from .tables import SignalTable, UsageRecordTable


def can_see_usage(user) -> bool:
    return can_read_all(user) or is_engineer(user) or selectors.is_consumption_owner(user)


class UsageMixin(RoleRequiredMixin):
    role_check = staticmethod(can_see_usage)


def _list_template(request, template: str, partial: str) -> list[str]:
    """A sort, page or filter swap (htmx) gets the table alone."""
    return [partial if request.htmx and not request.htmx.boosted else template]


class SignalListView(UsageMixin, TemplateView):
    template_name = "usage/signal_list.html"

    def get_template_names(self):
        return _list_template(self.request, self.template_name, "usage/partials/_signal_table.html")

    def get_context_data(self, **kwargs):
        params = self.request.GET.copy()
        if "status" not in params and not params.get("all"):
            params.setlist("status", list(UNRESOLVED))
        qs = selectors.signal_list(user=self.request.user, filters=params)
        if "ordering" not in params:
            qs = qs.order_by("-day", "-id")
        return super().get_context_data(
            table=tables.configure(SignalTable(qs, noun="signals"), self.request),
            filterset=SignalFilterSet(params),
            filter_fields=["q", "kind", "status", "severity", "team", "day_from", "day_to"],
            counts=selectors.signal_status_counts(user=self.request.user),
            can_upload=can_ingest(self.request.user),
            **kwargs,
        )


class SignalDetailView(UsageMixin, View):
    template_name = "usage/signal_detail.html"

    def _context(self, request, signal, **extra):
        identity = signal.identity
        return {
            "signal": signal,
            "notes": selectors.signal_notes(signal=signal),
            "owners": identity_owners(identity=identity) if identity else {},
            "timeline": identity_timeline(identity=identity)[:10] if identity else [],
            "can_triage": services.can_triage(request.user, signal),
            "identity_linkable": identity
            and identity_scope(request.user).filter(pk=identity.pk).exists(),
            "transitions": _transitions(signal),
            "triage_form": extra.pop("triage_form", TriageForm()),
            "note_form": extra.pop("note_form", NoteForm()),
            "history": signal.history.select_related("history_user").order_by("-history_date")[:20],
            **extra,
        }

    def get(self, request, pk):
        signal = selectors.signal_get(user=request.user, pk=pk)
        return render(request, self.template_name, self._context(request, signal))

    def post(self, request, pk):
        signal = selectors.signal_get(user=request.user, pk=pk)
        action = request.POST.get("action", "triage")
        form = NoteForm(request.POST) if action == "note" else TriageForm(request.POST)
        if form.is_valid():
            try:
                if action == "note":
                    services.signal_add_note(
                        actor=request.user, signal_id=signal.pk, body=form.cleaned_data["body"]
                    )
                    messages.success(request, "Note added.")
                else:
                    done = services.signal_transition(
                        actor=request.user,
                        signal_id=signal.pk,
                        status=form.cleaned_data["status"],
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, f"Signal {done.get_status_display().lower()}.")
            except PermissionDenied:
                raise
            except (Conflict, ValidationError) as exc:
                form.add_error(None, exc.messages)
            else:
                return redirect("usage:signal", pk=signal.pk)
        key = "note_form" if action == "note" else "triage_form"
        signal = selectors.signal_get(user=request.user, pk=pk)
        ctx = self._context(request, signal, **{key: form})
        return render(request, self.template_name, ctx, status=400)


def _transitions(signal):
    from .choices import SIGNAL_TRANSITIONS

    labels = {
        SignalStatus.INVESTIGATING: "Start investigating",
        SignalStatus.RESOLVED: "Resolve",
        SignalStatus.DISMISSED: "Dismiss",
        SignalStatus.OPEN: "Reopen",
    }
    return [(s, labels[s]) for s in SignalStatus.values if s in SIGNAL_TRANSITIONS[signal.status]]


class RecordListView(UsageMixin, TemplateView):
    template_name = "usage/record_list.html"

    def get_template_names(self):
        return _list_template(self.request, self.template_name, "usage/partials/_record_table.html")

    def get_context_data(self, **kwargs):
        qs = selectors.record_list(user=self.request.user, filters=self.request.GET)
        if "ordering" not in self.request.GET:
            qs = qs.order_by("-day", "-id")
        return super().get_context_data(
            table=tables.configure(UsageRecordTable(qs, noun="records"), self.request),
            filterset=UsageRecordFilterSet(self.request.GET),
            filter_fields=["team", "platform", "source", "day_from", "day_to", "unattributed"],
            keep=[("identity", self.request.GET["identity"])]
            if "identity" in self.request.GET
            else [],
            **kwargs,
        )


class UploadView(RoleRequiredMixin, View):
    """Upload → preview (dry run, per-row errors, nothing written) → apply."""

    role_check = staticmethod(can_ingest)
    template_name = "usage/upload.html"

    def get(self, request):
        return render(request, self.template_name, {"form": UsageUploadForm()})

    def post(self, request):
        form = UsageUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        content = form.cleaned_data["content"]
        apply = request.POST.get("action") == "apply"
        try:
            plan = services.usage_ingest(
                actor=request.user, rows=read_csv(content), dry_run=not apply
            )
        except UsageFileError as exc:
            form.add_error("file", exc.messages)
            return render(request, self.template_name, {"form": form}, status=400)
        if plan.applied:
            c = plan.counts
            messages.success(
                request,
                f"Usage ingested: {c['create']} new, {c['update']} updated, {c['unchanged']} "
                f"unchanged ({c['unattributed']} unattributed). Detectors run on those days.",
            )
            return redirect("usage:signals")
        preview = UsageUploadForm(
            initial={"content": content, "filename": form.cleaned_data.get("filename", "")}
        )
        return render(
            request,
            self.template_name,
            {
                "form": preview,
                "plan": plan,
                "counts": plan.counts,
                "actions": ACTIONS,
                "rows": plan.rows[:500],
                "filename": form.cleaned_data.get("filename", ""),
            },
            status=400 if plan.has_errors else 200,
        )


class ChargebackView(UsageMixin, TemplateView):
    template_name = "usage/chargeback.html"

    def _cb(self):
        try:
            months = int(self.request.GET.get("months", 6))
        except ValueError:
            months = 6
        return chargeback(
            user=self.request.user, group=self.request.GET.get("group", "team"), months=months
        )

    def get(self, request, *args, **kwargs):
        if kwargs.get("fmt") == "csv":
            cb = self._cb()
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            stamp = timezone.now().strftime("%Y%m%d")
            response["Content-Disposition"] = (
                f'attachment; filename="steward-chargeback-{cb.group}-{stamp}.csv"'
            )
            writer = SafeWriter(response)
            for row in csv_rows(cb):
                writer.writerow(row)
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        cb = self._cb()
        return super().get_context_data(
            cb=cb,
            chart=mark_safe(svg_chart(cb)),  # noqa: S308 - built with escape() throughout
            groups=[(k, v[1]) for k, v in GROUPS.items()],
            month_choices=(3, 6, 12),
            query=self.request.GET.urlencode(),
            **kwargs,
        )


class IdentityPanel(TemplateView):
    template_name = "usage/partials/_identity_panel.html"

    def get_context_data(self, **kwargs):
        identity = identity_get(user=self.request.user, pk=kwargs["pk"])
        data = selectors.identity_usage(identity=identity, today=timezone.localdate())
        peak = max((r["cost"] for r in data["rows"]), default=0) or 1
        start = data["start"]
        bars = []
        for r in data["rows"]:
            h = round(float(r["cost"] / peak) * 56, 1)
            bars.append({"day": r["day"], "cost": r["cost"], "h": h, "y": 58 - h,
                         "x": (r["day"] - start).days * 10})  # fmt: skip
        return super().get_context_data(identity=identity, bars=bars, **data, **kwargs)


class DashboardPanel(TemplateView):
    template_name = "usage/partials/_dashboard_panel.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        counts = selectors.open_signal_counts(user=user) if can_see_usage(user) else {}
        return super().get_context_data(
            counts=[(k, SignalKind(k).label, counts.get(k, 0)) for k in SignalKind.values],
            total=sum(counts.values()),
            visible=can_see_usage(user),
            since=timezone.localdate() - dt.timedelta(days=30),
            **kwargs,
        )
