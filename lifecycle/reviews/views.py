"""Access review pages: campaigns and their progress, a reviewer's queue, the item to decide,
the report (CSV). Thin: selectors read, services decide (and enforce who may)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from core import tables
from core.csv_export import SafeWriter
from core.errors import Conflict
from core.forms import attach_errors
from core.roles import RoleRequiredMixin, is_admin
from core.views import ServiceFormView

from ..choices import CampaignStatus, ReviewDecision
from ..tables import ReviewItemTable
from . import selectors, services
from .assign import scope_label
from .forms import BulkKeepForm, CampaignForm, DecideForm, ReassignForm, ScheduleForm

PAGE = 100


class ReviewsView(TemplateView):
    """Campaigns the user may read (all for admins and auditors), and the schedules."""

    template_name = "lifecycle/reviews/campaign_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        status = self.request.GET.get("status", "")
        campaigns = list(selectors.campaign_list(user=user, status=status)[:200])
        return super().get_context_data(
            campaigns=campaigns,
            schedules=[(s, scope_label(s.scope)) for s in selectors.schedule_list(user=user)],
            status=status,
            statuses=CampaignStatus.choices,
            can_manage=is_admin(user),
            queue_count=selectors.queue(user=user).count(),
            **kwargs,
        )


class AdminOnly(RoleRequiredMixin):
    role_check = staticmethod(is_admin)


class _CreateView(AdminOnly, ServiceFormView):
    template_name = "lifecycle/reviews/campaign_form.html"
    what = ""  # the template's noun

    def get_context_data(self, **kwargs) -> dict:
        return {"what": self.what, **kwargs}


class CampaignCreateView(_CreateView):
    form_class = CampaignForm
    what = "campaign"

    def get_form(self, data=None):
        if data is not None:
            return CampaignForm(data)
        today = timezone.localdate()
        return CampaignForm(initial={"starts_on": today, "due_on": today.replace(day=28)})

    def perform(self, form):
        data = form.cleaned_data
        return services.campaign_create(
            actor=self.request.user, name=data["name"], starts_on=data["starts_on"],
            due_on=data["due_on"], scope=form.scope(),
            reviewer_rule=data["reviewer_rule"], overdue_rule=data["overdue_rule"],
        )  # fmt: skip

    def success_message(self, form, result) -> str:
        return f"Campaign '{result.name}' created."

    def success_url(self, result) -> str:
        return reverse("lifecycle:review-campaign", args=[result.pk])


class ScheduleCreateView(_CreateView):
    form_class = ScheduleForm
    what = "schedule"

    def perform(self, form):
        data = dict(form.cleaned_data)
        for key in ("teams", "platforms", "kinds", "risk_tiers"):
            data.pop(key, None)
        return services.schedule_create(actor=self.request.user, scope=form.scope(), **data)

    def success_message(self, form, result) -> str:
        return f"Schedule '{result.name}' created: the reviews sweep launches it."

    def success_url(self, result) -> str:
        return reverse("lifecycle:reviews")


class CampaignView(TemplateView):
    """Progress per reviewer and per team, and the items (paged)."""

    template_name = "lifecycle/reviews/campaign_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        campaign = selectors.campaign_get(user=user, pk=kwargs["pk"])
        show = self.request.GET.get("show", "all")
        items = selectors.item_list(user=user, campaign=campaign, open_only=show == "open")
        if show == "decided":
            items = items.filter(decision__isnull=False)
        table = tables.configure(ReviewItemTable(items, noun="items"), self.request, per_page=PAGE)
        return super().get_context_data(
            campaign=campaign,
            scope=scope_label(campaign.scope),
            progress=selectors.campaign_progress(user=user, campaign=campaign),
            decisions=ReviewDecision.choices,
            table=table,
            show=show,
            **kwargs,
        )


class QueueView(TemplateView):
    """My open review items; low-risk ones can be kept together with one comment."""

    template_name = "lifecycle/reviews/queue.html"

    def get_context_data(self, **kwargs):
        items = list(selectors.queue(user=self.request.user)[:500])
        return super().get_context_data(
            items=items,
            bulk_tiers=services.BULK_KEEP_TIERS,
            form=kwargs.pop("form", None) or BulkKeepForm(),
            **kwargs,
        )


class BulkKeepView(View):
    http_method_names = ["post"]

    def post(self, request):
        form = BulkKeepForm(request.POST)
        ids = [int(i) for i in request.POST.getlist("item") if i.isdigit()]
        if not form.is_valid():
            view = QueueView()
            view.setup(request)
            return render(
                request, QueueView.template_name, view.get_context_data(form=form), status=400
            )
        n = services.items_bulk_keep(
            actor=request.user, item_ids=ids, comment=form.cleaned_data["comment"]
        )
        skipped = len(ids) - n
        note = f" ({skipped} not eligible: only your open low-risk items)" if skipped else ""
        messages.success(request, f"Kept {n} identit{'y' if n == 1 else 'ies'}{note}.")
        return redirect("lifecycle:review-queue")


class ItemView(View):
    """What a reviewer needs to decide, and the decision form (assigned reviewer only)."""

    template_name = "lifecycle/reviews/item.html"

    def _ctx(self, request, item, form=None, reassign=None) -> dict:
        return {
            "item": item,
            "identity": item.identity,
            "can_decide": item.decision is None and services.can_decide(request.user, item),
            "can_reassign": item.decision is None and is_admin(request.user),
            "form": form or DecideForm(),
            "reassign_form": reassign or ReassignForm(),
            "today": timezone.localdate(),
            **selectors.item_context(item=item),
        }

    def get(self, request, pk):
        item = selectors.item_get(user=request.user, pk=pk)
        return render(request, self.template_name, self._ctx(request, item))

    def post(self, request, pk):
        item = selectors.item_get(user=request.user, pk=pk)
        if not services.can_decide(request.user, item):
            raise PermissionDenied("Only the assigned reviewer decides this item.")
        form = DecideForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.item_decide(
                    actor=request.user, item_id=item.pk, decision=data["decision"],
                    comment=data["comment"], ends_on=data["ends_on"],
                )  # fmt: skip
            except Conflict as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("lifecycle:review-item", pk=item.pk)
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, PermissionDenied):
                    form.add_error(None, str(exc))
                else:
                    attach_errors(form, exc)
            else:
                label = ReviewDecision(data["decision"]).label
                messages.success(request, f"{item.identity.name}: {label}.")
                if data["decision"] == ReviewDecision.CHANGE:
                    return redirect(_change_url(item.identity_id, data.get("change_via")))
                return redirect("lifecycle:review-queue")
        item = selectors.item_get(user=request.user, pk=pk)
        return render(request, self.template_name, self._ctx(request, item, form), status=400)


def _change_url(identity_id: int, via: str) -> str:
    names = (
        [("approvals:new-request", (identity_id, "exception"))]
        if via == "request"
        else [("identities:edit", (identity_id,))]
    )
    names.append(("identities:detail", (identity_id,)))
    for name, args in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return "/"


class ReassignView(AdminOnly, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        item = selectors.item_get(user=request.user, pk=pk)
        form = ReassignForm(request.POST)
        if form.is_valid():
            try:
                services.item_reassign(
                    actor=request.user, item_id=item.pk,
                    reviewer=form.cleaned_data["reviewer"], reason=form.cleaned_data["reason"],
                )  # fmt: skip
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, f"Reassigned to {form.cleaned_data['reviewer']}.")
                return redirect("lifecycle:review-item", pk=item.pk)
        view = ItemView()
        ctx = view._ctx(request, item, reassign=form)
        return render(request, ItemView.template_name, ctx, status=400)


def csv_stream(columns, rows):
    writer = SafeWriter()
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([row[c] for c in columns])


class ReportView(View):
    """The campaign report as CSV: who reviewed what, when, the decision and the comment.
    Admins and auditors get every item; a reviewer gets their own."""

    http_method_names = ["get"]

    def get(self, request, pk):
        campaign = selectors.campaign_get(user=request.user, pk=pk)
        items = selectors.item_scope(request.user).filter(campaign=campaign)
        rows = selectors.report_rows(items=items)
        response = StreamingHttpResponse(
            csv_stream(selectors.REPORT_COLUMNS, rows), content_type="text/csv"
        )
        name = f"steward-review-{campaign.pk}-{timezone.now():%Y%m%dT%H%M%SZ}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
