"""People and their roles (admins change, auditors read): the role groups, team memberships
and leavers. Thin: `core.accounts` writes, refuses non-admins and records every change."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.views.generic import TemplateView

from core import accounts
from core.forms import attach_errors
from core.roles import ROLE_GROUPS, ROLE_LABELS, RoleRequiredMixin, can_read_all, is_admin
from core.tables import configure

from .directory_tables import PersonTable
from .forms import PersonReasonForm
from .models import Team

ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in ROLE_GROUPS]
# What each form on the person page does: (form prefix, service, message).
ACTIONS = {
    "grant": (accounts.role_grant, "{role} role granted."),
    "revoke": (accounts.role_revoke, "{role} role revoked."),
    "deactivate": (accounts.account_deactivate, "Deactivated: what they owned is now a gap."),
    "reactivate": (accounts.account_reactivate, "Reactivated."),
}


class PeopleListView(RoleRequiredMixin, TemplateView):
    role_check = staticmethod(can_read_all)
    template_name = "identities/people_list.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        query, active = params.get("q", "").strip(), params.get("active", "")
        people = accounts.people_list(user=self.request.user, query=query, active=active)
        table = configure(PersonTable(people, noun="people"), self.request)
        table.team_names = _team_names([row.record for row in table.page.object_list])
        return super().get_context_data(table=table, q=query, active=active, **kwargs)


def _team_names(people) -> dict[int, str]:
    """{group id: team name} for the teams among these people's groups: one query."""
    group_ids = {g.pk for p in people for g in p.groups.all()}
    return dict(Team.objects.filter(group_id__in=group_ids).values_list("group_id", "name"))


class PersonDetailView(RoleRequiredMixin, TemplateView):
    """One person: roles, teams, what changed. POST (admins): grant or revoke a role,
    deactivate (a leaver) or reactivate — each with a reason."""

    role_check = staticmethod(can_read_all)
    template_name = "identities/person_detail.html"

    def get_context_data(self, pk, forms=None, **kwargs):
        person = accounts.person_get(user=self.request.user, pk=pk)
        teams = _team_names([person])
        roles = accounts.role_labels(person)
        held = {g.name for g in person.groups.all()}
        forms = forms or {}
        if is_admin(self.request.user):
            grantable = [c for c in ROLE_CHOICES if c[0] not in held]
            revocable = [c for c in ROLE_CHOICES if c[0] in held]
            forms.setdefault("grant", _form("grant", grantable) if grantable else None)
            forms.setdefault("revoke", _form("revoke", revocable) if revocable else None)
            status = "reactivate" if not person.is_active else "deactivate"
            forms.setdefault(status, _form(status))
        return super().get_context_data(
            person=person,
            role_labels=roles,
            teams=Team.objects.filter(group_id__in=list(teams)).order_by("name"),
            changes=accounts.person_changes(person=person),
            forms=forms,
            # the identity provider's groups set these people's roles and teams at sign-in
            sso_managed=settings.OIDC_ENABLED and not person.has_usable_password(),
            **kwargs,
        )

    def post(self, request, pk):
        if not is_admin(request.user):
            raise PermissionDenied
        person = accounts.person_get(user=request.user, pk=pk)
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise PermissionDenied("Unknown action.")
        service, message = ACTIONS[action]
        form = _form(action, ROLE_CHOICES if action in {"grant", "revoke"} else None, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                service(actor=request.user, user=person, **data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, message.format(role=ROLE_LABELS.get(data.get("role"))))
                return redirect("identities:person", pk=person.pk)
        context = self.get_context_data(pk=pk, forms={action: form})
        return self.render_to_response(context, status=422)


def _form(action: str, roles=None, data=None) -> PersonReasonForm:
    return PersonReasonForm(data, roles=roles, prefix=action)
