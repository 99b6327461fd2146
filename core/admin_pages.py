"""The in-app admin: an index of the pages each app serves for admins (and, read-only, for
auditors), and core's own webhook pages. Django admin stays a tool of last resort for staff.

Pages are listed by URL name, like the main navigation, so a higher app's page appears here
without core importing it; each entry shows only to the roles that can open it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views import View
from django.views.generic import TemplateView

from . import services
from .admin_tables import WebhookTable
from .forms import WebhookForm, attach_errors
from .models import Webhook, WebhookDelivery
from .roles import RoleRequiredMixin, can_read_all, has_role, is_admin
from .tables import configure
from .webhooks import webhook_key

ADMIN_PAGES = [
    ("Approval policies", "approvals:policies", "Who approves each kind of request, for how "
     "long; versioned, each change with its reason.", can_read_all),
    ("Teams", "identities:teams", "Teams and their members.", can_read_all),
    ("Platforms", "identities:platforms", "Where identities live.", can_read_all),
    ("People and roles", "identities:people", "Roles, team memberships, leavers.", can_read_all),
    ("Ownership (RACI)", "governance:matrix", "Control domains and who is A, R, C, I.", has_role),
    ("Trusted issuers", "runtime:issuers", "Platforms whose tokens workloads exchange.",
     is_admin),
    ("Webhooks", "core:webhooks", "Signed notifications to other systems.", can_read_all),
    ("Django admin", "admin:index", "Raw tables, for superusers: a last resort.",
     lambda user: user.is_staff),
]  # fmt: skip


def admin_pages(user) -> list[dict]:
    """The pages this user can open, for the index (admins and auditors only)."""
    if not can_read_all(user):
        return []
    pages = []
    for label, url_name, about, visible in ADMIN_PAGES:
        if not visible(user):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        pages.append({"label": label, "url": url, "about": about})
    return pages


class AdminHomeView(RoleRequiredMixin, TemplateView):
    role_check = staticmethod(can_read_all)
    template_name = "core/admin/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(pages=admin_pages(self.request.user), **kwargs)


# --- webhooks -----------------------------------------------------------------------------
def _hook(user, pk) -> Webhook:
    if not can_read_all(user):
        raise PermissionDenied
    try:
        return Webhook.objects.select_related("created_by").get(pk=pk)
    except (Webhook.DoesNotExist, ValueError, TypeError):
        raise Http404("No such webhook.") from None


class WebhookListView(RoleRequiredMixin, TemplateView):
    role_check = staticmethod(can_read_all)
    template_name = "core/admin/webhook_list.html"

    def get_context_data(self, **kwargs):
        hooks = Webhook.objects.order_by("name").annotate(
            failed=Count("deliveries", filter=_status(WebhookDelivery.Status.FAILED)),
            pending=Count("deliveries", filter=_status(WebhookDelivery.Status.PENDING)),
        )
        table = configure(WebhookTable(hooks, noun="webhooks"), self.request)
        return super().get_context_data(table=table, can_edit=is_admin(self.request.user), **kwargs)


def _status(status) -> Q:
    return Q(deliveries__status=status)


class WebhookDetailView(RoleRequiredMixin, TemplateView):
    """The hook, its recent history and, for admins, the signing key receivers need."""

    role_check = staticmethod(can_read_all)
    template_name = "core/admin/webhook_detail.html"

    def get_context_data(self, pk, **kwargs):
        hook = _hook(self.request.user, pk)
        admin = is_admin(self.request.user)
        return super().get_context_data(
            hook=hook,
            can_edit=admin,
            signing_key=webhook_key(hook) if admin else None,
            versions=hook.history.select_related("history_user").order_by("-history_id")[:20],
            **kwargs,
        )


class WebhookEditView(RoleRequiredMixin, View):
    role_check = staticmethod(is_admin)
    template_name = "core/admin/webhook_form.html"

    def get(self, request, pk=None):
        hook = _hook(request.user, pk) if pk else None
        return render(
            request, self.template_name, {"form": WebhookForm.for_hook(hook), "hook": hook}
        )

    def post(self, request, pk=None):
        hook = _hook(request.user, pk) if pk else None
        form = WebhookForm.for_hook(hook, request.POST)
        if form.is_valid():
            try:
                saved = services.webhook_save(
                    actor=request.user, webhook=hook, data=form.cleaned_data
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, f"Webhook {saved.name} saved.")
                return redirect(saved)
        return render(request, self.template_name, {"form": form, "hook": hook}, status=422)


class WebhookRotateView(RoleRequiredMixin, View):
    role_check = staticmethod(is_admin)

    def post(self, request, pk):
        hook = services.webhook_rotate(actor=request.user, webhook=_hook(request.user, pk))
        messages.success(
            request,
            f"New signing key (version {hook.key_version}); the old key also signs for 24 hours.",
        )
        return redirect(hook)


class WebhookDeleteView(RoleRequiredMixin, View):
    """GET asks for confirmation; POST deletes."""

    role_check = staticmethod(is_admin)

    def get(self, request, pk):
        return render(request, "core/admin/webhook_delete.html", {"hook": _hook(request.user, pk)})

    def post(self, request, pk):
        hook = _hook(request.user, pk)
        services.webhook_delete(actor=request.user, webhook=hook)
        messages.success(request, f"Webhook {hook.name} deleted.")
        return redirect("core:webhooks")
