from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .forms import ApiTokenForm, attach_errors
from .health import health_report, heartbeat_status
from .inbox import inbox_digests, inbox_kinds
from .inbox_tables import InboxTable
from .metrics import has_metrics_credential, scrape_registry
from .notifications import inbox_mark_read
from .services import api_token_create, api_token_revoke
from .tables import configure_uncounted


class ServiceFormView(View):
    """A page with one form whose POST calls one service.

    GET shows the form about `get_object()` (where a 404 or a PermissionDenied belongs); a
    valid POST calls `perform(form)`, then shows `success_message(form, result)` and
    redirects to `success_url(result)`. A form error, or a ValidationError from the service
    (attached to the form), shows the form again with `error_status`."""

    template_name = ""
    form_class = None
    object_name = "object"  # the object's name in the template context
    error_status = 400

    def get_object(self):
        return None

    def get_form(self, data=None):
        return self.form_class(data)

    def get_context_data(self, **kwargs) -> dict:
        return {self.object_name: self.object, **kwargs}

    def perform(self, form):
        raise NotImplementedError

    def success_message(self, form, result) -> str:
        raise NotImplementedError

    def success_url(self, result) -> str:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                result = self.perform(form)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, self.success_message(form, result))
                return redirect(self.success_url(result))
        return self.render(form, status=self.error_status)

    def render(self, form, status=200):
        return render(
            self.request, self.template_name, self.get_context_data(form=form), status=status
        )


class DashboardView(TemplateView):
    template_name = "core/dashboard.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(panels=settings.STEWARD_DASHBOARD_PANELS, **kwargs)


class DashboardStatusPanel(TemplateView):
    """htmx partial: is the worker + beat alive?"""

    template_name = "core/partials/_status_panel.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(heartbeat=heartbeat_status(), **kwargs)


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Anonymous callers learn only ok/fail; the metrics credential sees the details
    (database and broker checks, heartbeat) — nothing of the deployment leaks otherwise."""
    report = health_report()
    status = 200 if report["status"] == "ok" else 503
    if not has_metrics_credential(request):
        return JsonResponse({"status": report["status"]}, status=status)
    return JsonResponse(report, status=status)


@login_not_required
@never_cache
@require_GET
def metrics(request):
    if not has_metrics_credential(request):
        # RFC 6750 §3: a protected resource answers a missing or bad token with 401 and a
        # WWW-Authenticate: Bearer challenge.
        response = HttpResponse("Metrics need a bearer token.", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


class ProfileView(TemplateView):
    """The signed-in user's profile: roles and personal API tokens."""

    template_name = "core/profile.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ApiTokenForm(request=self.request))
        return super().get_context_data(
            tokens=self.request.user.api_tokens.all(), now=timezone.now(), **kwargs
        )

    def post(self, request, *args, **kwargs):
        form = ApiTokenForm(request.POST, request=request)
        if form.is_valid():
            try:
                _, raw = api_token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return self.render_to_response(self.get_context_data(new_token=raw))
        return self.render_to_response(self.get_context_data(form=form), status=400)


@require_POST
def api_token_revoke_view(request, pk: int):
    try:
        api_token_revoke(user=request.user, token_id=pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Token revoked.")
    return redirect("core:profile")


class InboxView(TemplateView):
    """The signed-in user's notifications as digests (one row per kind and object, with a
    count), filterable by kind: reminders, escalations, decisions — and why."""

    template_name = "core/inbox.html"

    def get_context_data(self, **kwargs):
        user, params = self.request.user, self.request.GET
        show = "all" if params.get("show") == "all" else "unread"
        kinds = inbox_kinds(user=user, show=show)
        kind = params.get("kind", "")
        if kind not in {k for k, _label, _n in kinds}:
            kind = ""
        page = inbox_digests(user=user, show=show, kind=kind, page=params.get("page"))
        table = configure_uncounted(
            InboxTable(page.object_list),
            self.request,
            page=page.number,
            has_next=page.has_next(),
        )
        query = urlencode({"show": show, **({"kind": kind} if kind else {})})
        return super().get_context_data(
            table=table, show=show, kind=kind, kinds=kinds, query=query, **kwargs
        )


@require_POST
def inbox_mark_read_view(request):
    data = request.POST
    ids = [int(i) for i in data.getlist("id") if i.isdigit()] or None
    subject_id = data.get("subject_id", "")
    inbox_mark_read(
        user=request.user,
        ids=ids,
        kind=data.get("kind", ""),
        subject_type=data.get("subject_type", ""),
        subject_id=int(subject_id) if subject_id.isdigit() else None,
    )
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    back = data.get("next", "")
    if back.startswith("?"):
        return redirect(reverse("core:inbox") + back)
    return redirect("core:inbox")
