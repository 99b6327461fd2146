"""Approvals pages: inbox, request page with htmx decisions, new requests, grants, and the
onboarding wizard. Thin: selectors read, services write and enforce every rule."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from formtools.wizard.views import SessionWizardView

from core import tables
from core.choices import choice_label
from core.errors import Conflict
from core.forms import OwnFieldsOnlyWizardMixin, attach_errors
from core.people import people_named
from core.roles import RoleRequiredMixin, can_read_all, is_admin, is_engineer
from identities.choices import Environment, IdentityKind, IdentityStatus, RiskTier
from identities.models import Identity
from identities.selectors import identity_get

from . import forms, grants, selectors, services
from .choices import RequestKind, RequestStatus
from .filtersets import RequestFilterSet
from .models import Decision
from .policy import status_refusal
from .preview import request_preview
from .tables import IdentityRequestTable, RequestTable

ONBOARDING_STEPS = [
    ("identity", forms.OnboardIdentityForm),
    ("purpose", forms.OnboardPurposeForm),
    ("entitlements", forms.OnboardEntitlementsForm),
    ("review", forms.OnboardReviewForm),
]
STEP_TITLES = {
    "identity": "Identity",
    "purpose": "Purpose and end date",
    "entitlements": "Entitlements",
    "review": "Review",
}
REQUEST_FORMS = {
    RequestKind.EXCEPTION: forms.ExceptionRequestForm,
    RequestKind.EMERGENCY: forms.EmergencyRequestForm,
}


def can_request(user) -> bool:
    return is_engineer(user) or is_admin(user)


class OnboardingWizard(OwnFieldsOnlyWizardMixin, RoleRequiredMixin, SessionWizardView):
    """identity → purpose and end date → entitlements → review; engineers, into their teams."""

    role_check = staticmethod(can_request)
    form_list = ONBOARDING_STEPS
    template_name = "approvals/onboard.html"

    def get_form_kwargs(self, step=None):
        return {"user": self.request.user} if step == "identity" else {}

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        context["steps_titles"] = [(name, STEP_TITLES[name]) for name, _ in ONBOARDING_STEPS]
        if self.steps.current == "review":
            context.update(self._review())
        return context

    def _review(self) -> dict:
        """The review step in human words, with the policy that will apply and who approves
        (resolved for the identity as it will be registered)."""
        data = self._collected()
        summary = dict(data)
        summary["kind"] = IdentityKind(data["kind"]).label
        summary["environment"] = Environment(data["environment"]).label
        summary["risk_tier"] = RiskTier(data["risk_tier"]).label
        draft = Identity(
            team=data["team"],
            platform=data["platform"],
            risk_tier=data["risk_tier"],
            status=IdentityStatus.PENDING,
        )
        try:
            policy = services.policy_for(RequestKind.ONBOARDING)
        except ValidationError:
            return {"summary": summary}
        preview = request_preview(policy=policy, identity=draft, requester=self.request.user)
        return {"summary": summary, "preview": preview}

    def _collected(self) -> dict:
        data = {}
        for step in ("identity", "purpose", "entitlements"):
            data.update(self.get_cleaned_data_for_step(step) or {})
        return data

    def done(self, form_list, **kwargs):
        data = {}
        for form in list(form_list)[:-1]:
            data.update(form.cleaned_data)
        try:
            request = services.onboarding_submit(actor=self.request.user, data=data)
        except ValidationError as exc:
            review = forms.OnboardReviewForm()
            attach_errors(review, exc)
            self.storage.current_step = "review"
            return self.render(review)
        messages.success(
            self.request,
            f"{request.identity.name} was submitted and is pending approval "
            f"(request #{request.pk}).",
        )
        return redirect("identities:detail", pk=request.identity_id)


class InboxView(TemplateView):
    """Waiting for me · my requests · all (admins and auditors)."""

    template_name = "approvals/inbox.html"

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:  # a sort, page or filter swap
            return ["approvals/partials/_request_table.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        user = self.request.user
        boxes = ["waiting", "mine"] + (["all"] if can_read_all(user) else [])
        box = self.request.GET.get("box", "waiting")
        box = box if box in boxes else "waiting"
        filters = self.request.GET.copy()
        if box == "waiting" and "status" not in filters:
            filters.setlist("status", [RequestStatus.PENDING])
        filterset = RequestFilterSet(filters, queryset=selectors.Request.objects.none())
        waiting = selectors.waiting_for_once(user)  # the list, the counts and the nav badge
        qs = selectors.request_list(user=user, box=box, filters=filters, waiting=waiting)
        qs = qs.prefetch_related(None)  # the API's decisions: the table shows none
        table = tables.configure(RequestTable(qs, noun="requests"), self.request)
        if box == "waiting":
            table.empty_text = "Nothing is waiting for you."
        return super().get_context_data(
            box=box,
            boxes=boxes,
            table=table,
            filterset=filterset,
            filter_fields=["kind", "status", "risk_tier"],
            keep=[("box", box)],
            waiting=len(waiting),
            can_request=can_request(user),
            **kwargs,
        )


class RequestDetailView(TemplateView):
    template_name = "approvals/request_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        req = selectors.request_get(user=user, pk=kwargs["pk"])
        prefetch_related_objects(
            [req], Prefetch("decisions", queryset=Decision.objects.select_related("decider"))
        )
        may_decide = req.status == RequestStatus.PENDING and req.pk in selectors.waiting_for(user)
        grant = getattr(req, "grant", None)
        decisions = req.decisions.all()
        approvals = [d for d in decisions if d.outcome == "approve"]
        owners = req.evaluation.inputs.get("effective_owners") or {}
        return super().get_context_data(
            people=people_named([owners.get("accountable")]),  # the snapshot keeps usernames
            req=req,
            evaluation=req.evaluation,
            decisions=decisions,
            approvals_given=len(approvals),
            approvals_missing=max(req.approvals_required - len(approvals), 0),
            approved_by={d.decider_id for d in approvals},
            grant=grant,
            history=req.history.select_related("history_user").order_by("-history_date")[:50],
            status_then=choice_label(IdentityStatus, req.evaluation.inputs.get("identity_status")),
            may_decide=may_decide,
            decision_form=forms.DecisionForm(),
            now=timezone.now(),
            **kwargs,
        )


class DecideView(View):
    """POST a decision (htmx swaps the decision panel). The service is the control."""

    def post(self, request, pk):
        req = selectors.request_get(user=request.user, pk=pk)
        form = forms.DecisionForm(request.POST)
        status = 200
        if form.is_valid():
            try:
                services.request_decide(request_id=req.pk, actor=request.user, **form.cleaned_data)
            except Conflict as exc:
                attach_errors(form, exc)
                status = 409
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or "You may not decide this request.")
                status = 403
            except ValidationError as exc:
                attach_errors(form, exc)
                status = 400
            else:
                messages.success(request, "Decision recorded.")
                if request.htmx:
                    return _htmx_redirect(req.get_absolute_url())
                return redirect("approvals:request", pk=req.pk)
        else:
            status = 400
        req.refresh_from_db()
        # the panel as it is now: after a stale click (409) or a refusal (403) the buttons go
        return render(
            request,
            "approvals/partials/_decision_panel.html",
            {"req": req, "decision_form": form, "may_decide": status == 400},
            status=status,
        )


class NewRequestView(RoleRequiredMixin, View):
    """An exception or emergency request for one identity."""

    role_check = staticmethod(can_request)
    template_name = "approvals/request_form.html"

    def _setup(self, request, identity_pk, kind):
        if kind not in REQUEST_FORMS:
            raise PermissionDenied
        identity = identity_get(user=request.user, pk=identity_pk)
        try:
            policy = services.policy_for(kind)
        except ValidationError as exc:
            raise PermissionDenied(exc.messages[0]) from None
        self.preview = request_preview(policy=policy, identity=identity, requester=request.user)
        return identity, partial(REQUEST_FORMS[kind], policy=policy)

    def get(self, request, identity_pk, kind):
        identity, form_class = self._setup(request, identity_pk, kind)
        return render(request, self.template_name, self._ctx(identity, kind, form_class()))

    def post(self, request, identity_pk, kind):
        identity, form_class = self._setup(request, identity_pk, kind)
        form = form_class(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            until = data.pop("until", None)
            try:
                req = services.request_submit(
                    actor=request.user, kind=kind, identity=identity, requested_end=until, **data
                )
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, PermissionDenied):
                    form.add_error(None, str(exc))
                else:
                    attach_errors(form, exc)
            else:
                if kind == RequestKind.EMERGENCY:
                    messages.warning(request, "Emergency access is active now; the A was told.")
                else:
                    messages.success(request, f"Request #{req.pk} submitted.")
                return redirect("approvals:request", pk=req.pk)
        return render(request, self.template_name, self._ctx(identity, kind, form), status=400)

    def _ctx(self, identity, kind, form):
        return {"identity": identity, "kind": RequestKind(kind), "form": form,
                "preview": self.preview}  # fmt: skip


class GrantActionView(View):
    """Revoke, review (break-glass) or renew a grant; one form each."""

    actions = {
        "revoke": (forms.RevokeForm, "Revoke access"),
        "review": (forms.ReviewForm, "Post-incident review"),
        "renew": (forms.RenewalForm, "Ask to extend"),
    }

    def dispatch(self, request, pk, action):
        if action not in self.actions:
            raise PermissionDenied
        self.grant = selectors.grant_get(user=request.user, pk=pk)
        self.action = action
        return super().dispatch(request, pk, action)

    def get(self, request, pk, action):
        return self._render(self.actions[action][0]())

    def post(self, request, pk, action):
        form = self.actions[action][0](request.POST)
        status = 400
        if form.is_valid():
            try:
                target = self._apply(form.cleaned_data)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or "Not allowed.")
                status = 403
            except Conflict as exc:
                attach_errors(form, exc)
                status = 409
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return redirect("approvals:request", pk=target)
        return self._render(form, status=status)

    def _apply(self, data) -> int:
        user, grant = self.request.user, self.grant
        if self.action == "revoke":
            grants.grant_revoke(actor=user, grant=grant, reason=data["reason"])
            messages.success(self.request, "Access revoked.")
        elif self.action == "review":
            grants.grant_review(actor=user, grant=grant, notes=data["notes"])
            messages.success(self.request, "Post-incident review recorded.")
        else:
            req = services.request_submit(
                actor=user,
                kind=grant.kind,
                identity=grant.identity,
                renews=grant,
                duration_hours=data["duration_hours"],
                justification=data["justification"],
            )
            messages.success(self.request, f"Renewal request #{req.pk} submitted.")
            return req.pk
        return grant.request_id

    def _render(self, form, status=200):
        return render(
            self.request,
            "approvals/grant_action.html",
            {
                "grant": self.grant,
                "form": form,
                "title": self.actions[self.action][1],
                "action": self.action,
            },
            status=status,
        )


class IdentityRequestsPanel(TemplateView):
    """htmx partial for the identity page: its requests and grants."""

    template_name = "approvals/partials/_identity_panel.html"

    def get_context_data(self, **kwargs):
        identity = identity_get(user=self.request.user, pk=kwargs["pk"])
        # offer only the kinds its status allows; the first refusal says why the rest are not
        refusals = {kind: status_refusal(kind, identity) for kind in REQUEST_FORMS}
        return super().get_context_data(
            identity=identity,
            table=tables.configure(
                IdentityRequestTable(selectors.identity_requests(identity=identity)), self.request
            ),
            can_request=can_request(self.request.user),
            offers=[kind for kind, refusal in refusals.items() if not refusal],
            not_offered=next((r for r in refusals.values() if r), ""),
            now=timezone.now(),
            **kwargs,
        )


class DashboardPanel(TemplateView):
    template_name = "approvals/partials/_dashboard_panel.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            waiting=selectors.waiting_count(user),
            emergencies=list(selectors.active_emergency_grants(user)[:5]),
            reviews=list(selectors.reviews_due(user)[:5]),
            now=timezone.now(),
            **kwargs,
        )


def _htmx_redirect(url: str):
    return HttpResponse(status=204, headers={"HX-Redirect": url})
