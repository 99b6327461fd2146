"""Pages and htmx panels: platforms and their connector status, the revocation queue,
each credential's state at the source on the identity page, the dashboard panel."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from core.roles import RoleRequiredMixin, is_admin
from identities.selectors import identity_get

from . import selectors, services
from .models import RevocationJob


class PlatformListView(RoleRequiredMixin, TemplateView):
    template_name = "connectors/platform_list.html"
    role_check = staticmethod(selectors.can_see_connectors)

    def get_context_data(self, **kwargs):
        platforms = list(selectors.platform_list())
        return super().get_context_data(platforms=platforms, counts=selectors.open_counts())


class PlatformDetailView(RoleRequiredMixin, TemplateView):
    template_name = "connectors/platform_detail.html"
    role_check = staticmethod(selectors.can_see_connectors)

    def get_context_data(self, **kwargs):
        platform = selectors.platform_get(user=self.request.user, pk=kwargs["pk"])
        connector = getattr(platform, "connector", None)
        status = selectors.connector_status(connector) if connector else None
        jobs = selectors.platform_revocations(platform=platform).order_by("next_attempt_at")[:200]
        done = (
            selectors.platform_revocations(platform=platform, open_only=False)
            .filter(status="done")
            .order_by("-confirmed_at")[:20]
        )
        return super().get_context_data(
            platform=platform,
            connector=connector,
            status=status,
            jobs=jobs,
            done=done,
            can_act=is_admin(self.request.user),
            **kwargs,
        )


class SyncNowView(View):
    """Admins: discover now (in a worker, after the commit)."""

    def post(self, request, pk):
        if not is_admin(request.user):
            raise PermissionDenied
        platform = selectors.platform_get(user=request.user, pk=pk)
        connector = getattr(platform, "connector", None)
        if connector is None or connector.kind != "aws_iam":
            raise Http404
        from .tasks import sync_connector

        transaction.on_commit(lambda: sync_connector.delay(connector.pk, request.user.pk))
        messages.success(request, f"Sync of {platform} queued.")
        return redirect("connectors:platform", pk=platform.pk)


class RetryView(View):
    def post(self, request, pk):
        if not is_admin(request.user):
            raise PermissionDenied
        job = get_object_or_404(RevocationJob.objects.select_related("connector"), pk=pk)
        try:
            services.revocation_retry(actor=request.user, job=job)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Revocation #{job.pk} will be tried again.")
        return redirect("connectors:platform", pk=job.connector.platform_id)


class IdentityPanel(TemplateView):
    """Each credential's state at the source beside Steward's (scoped like the identity)."""

    template_name = "connectors/partials/_identity_panel.html"

    def get_context_data(self, **kwargs):
        identity = identity_get(user=self.request.user, pk=kwargs["pk"])
        connector = getattr(identity.platform, "connector", None)
        return super().get_context_data(
            identity=identity,
            connector=connector,
            rows=selectors.identity_source_state(identity=identity),
        )


class DashboardPanel(TemplateView):
    template_name = "connectors/partials/_dashboard_panel.html"

    def get_context_data(self, **kwargs):
        visible = selectors.can_see_connectors(self.request.user)
        counts = selectors.open_counts() if visible else {}
        return super().get_context_data(
            visible=visible, counts=counts, total=sum(counts.values()), **kwargs
        )
