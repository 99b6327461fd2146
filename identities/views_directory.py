"""The directory pages: teams (with members) and platforms. Admins and auditors read them;
admins change them, every change with a reason. Thin: `directory` writes, and refuses
anyone but an admin whatever the page shows."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import TemplateView

from core.forms import attach_errors
from core.roles import RoleRequiredMixin, can_read_all, is_admin
from core.tables import configure

from . import directory
from . import directory_selectors as selectors
from .directory_tables import MemberTable, PlatformTable, TeamTable
from .forms import MemberForm, PlatformForm, TeamForm
from .models import Team


class ReaderRequired(RoleRequiredMixin):
    role_check = staticmethod(can_read_all)


class AdminRequired(RoleRequiredMixin):
    role_check = staticmethod(is_admin)


def _saved_or_errors(form, call):
    """Run the service `call`; its ValidationError goes onto the form. Returns the result or
    None (the form then has the errors and keeps what was typed)."""
    try:
        return call()
    except ValidationError as exc:
        attach_errors(form, exc)
        return None


# --- teams --------------------------------------------------------------------------------
class TeamListView(ReaderRequired, TemplateView):
    template_name = "identities/team_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        table = TeamTable(selectors.team_list(user=user), noun="teams")
        return super().get_context_data(
            table=configure(table, self.request), can_edit=is_admin(user), **kwargs
        )


class TeamDetailView(ReaderRequired, TemplateView):
    """The team, its members and their history. POST adds a member (admins)."""

    template_name = "identities/team_detail.html"

    def get_context_data(self, pk, member_form=None, **kwargs):
        team = selectors.team_get(user=self.request.user, pk=pk)
        can_edit = is_admin(self.request.user)
        members = MemberTable(selectors.team_members(team=team), can_edit=can_edit, noun="members")
        if can_edit and member_form is None:
            member_form = MemberForm(candidates=selectors.team_member_candidates(team=team))
        return super().get_context_data(
            team=team,
            members=configure(members, self.request),
            changes=selectors.team_membership_changes(team=team),
            history=selectors.team_history(team=team),
            platforms=team.platforms.order_by("name"),
            can_edit=can_edit,
            member_form=member_form,
            **kwargs,
        )

    def post(self, request, pk):
        if not is_admin(request.user):
            raise PermissionDenied
        team = selectors.team_get(user=request.user, pk=pk)
        form = MemberForm(request.POST, candidates=selectors.team_member_candidates(team=team))
        if form.is_valid():
            user, reason = form.cleaned_data["user"], form.cleaned_data["reason"]
            try:
                directory.team_add_member(actor=request.user, team=team, user=user, reason=reason)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, f"{user.get_full_name() or user} joined {team}.")
                return redirect(team)
        context = self.get_context_data(pk=pk, member_form=form)
        return self.render_to_response(context, status=422)


class TeamEditView(AdminRequired, View):
    """New team (no pk) or a change to one, with a reason."""

    template_name = "identities/team_form.html"

    def get(self, request, pk=None):
        team = selectors.team_get(user=request.user, pk=pk) if pk else None
        return render(request, self.template_name, {"form": TeamForm(team=team), "team": team})

    def post(self, request, pk=None):
        team = selectors.team_get(user=request.user, pk=pk) if pk else None
        form = TeamForm(request.POST, team=team)
        if form.is_valid():
            data = form.cleaned_data
            saved = _saved_or_errors(
                form,
                lambda: directory.team_update(
                    actor=request.user, team=team, reason=data["reason"],
                    name=data["name"], description=data["description"],
                )
                if team
                else directory.team_create(
                    actor=request.user, name=data["name"], slug=data["slug"],
                    description=data["description"],
                ),
            )  # fmt: skip
            if saved is not None:
                messages.success(request, f"Team {saved.name} saved.")
                return redirect(saved)
        context = {"form": form, "team": team}
        return render(request, self.template_name, context, status=422)


class TeamMemberRemoveView(AdminRequired, View):
    def post(self, request, pk, user_pk):
        team = selectors.team_get(user=request.user, pk=pk)
        user = get_object_or_404(get_user_model(), pk=user_pk)
        try:
            directory.team_remove_member(
                actor=request.user, team=team, user=user, reason=request.POST.get("reason", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{user.get_full_name() or user} left {team}.")
        return redirect(team)


# --- platforms ----------------------------------------------------------------------------
class PlatformListView(ReaderRequired, TemplateView):
    template_name = "identities/platform_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        table = PlatformTable(selectors.platform_list(user=user), noun="platforms")
        return super().get_context_data(
            table=configure(table, self.request), can_edit=is_admin(user), **kwargs
        )


class PlatformDetailView(ReaderRequired, TemplateView):
    template_name = "identities/platform_detail.html"

    def get_context_data(self, pk, **kwargs):
        platform = selectors.platform_get(user=self.request.user, pk=pk)
        return super().get_context_data(
            platform=platform,
            identity_count=platform.identities.count(),
            history=selectors.platform_history(platform=platform),
            can_edit=is_admin(self.request.user),
            **kwargs,
        )


class PlatformEditView(AdminRequired, View):
    template_name = "identities/platform_form.html"

    def _form(self, platform, data=None):
        teams = Team.objects.order_by("name")
        return PlatformForm(data, platform=platform, teams=teams)

    def get(self, request, pk=None):
        platform = selectors.platform_get(user=request.user, pk=pk) if pk else None
        context = {"form": self._form(platform), "platform": platform}
        return render(request, self.template_name, context)

    def post(self, request, pk=None):
        platform = selectors.platform_get(user=request.user, pk=pk) if pk else None
        form = self._form(platform, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason, slug = data.pop("reason", ""), data.pop("slug", "")
            saved = _saved_or_errors(
                form,
                lambda: (
                    directory.platform_update(
                        actor=request.user, platform=platform, reason=reason, **data
                    )
                    if platform
                    else directory.platform_create(actor=request.user, slug=slug, **data)
                ),
            )
            if saved is not None:
                messages.success(request, f"Platform {saved.name} saved.")
                return redirect(saved)
        context = {"form": form, "platform": platform}
        return render(request, self.template_name, context, status=422)
