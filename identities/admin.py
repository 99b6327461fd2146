"""Admin for the directory (teams, platforms) through the services; the registry itself is
read-only here — identities and credentials change through the pages, API and services."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model

from core.history_admin import HistoryAdmin, ReadOnlyAdmin

from .directory import platform_create, team_create, team_set_members
from .models import Credential, Identity, Platform, Team


class TeamAdminForm(forms.ModelForm):
    members = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple("members", is_stacked=False),
        help_text="Membership is the team's group: RACI grants to the team follow it.",
    )

    class Meta:
        model = Team
        fields = ("name", "slug", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["members"].initial = self.instance.group.user_set.all()


@admin.register(Team)
class TeamAdmin(HistoryAdmin):
    form = TeamAdminForm
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        if not change:
            created = team_create(
                actor=request.user, name=obj.name, slug=obj.slug, description=obj.description
            )
            obj.pk, obj.group = created.pk, created.group
        else:
            obj._change_reason = f"edited in admin by {request.user}"
            obj._history_user = request.user
            obj.save()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        team_set_members(
            actor=request.user,
            team=form.instance,
            users=form.cleaned_data["members"],
            reason="members set in Django admin",
        )


@admin.register(Platform)
class PlatformAdmin(HistoryAdmin):
    list_display = ("name", "slug", "kind", "owning_team")
    list_filter = ("kind",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        if not change:
            created = platform_create(
                actor=request.user, name=obj.name, slug=obj.slug, kind=obj.kind,
                owning_team=obj.owning_team, description=obj.description,
            )  # fmt: skip
            obj.pk = created.pk
        else:
            obj._change_reason = f"edited in admin by {request.user}"
            obj._history_user = request.user
            obj.save()


@admin.register(Identity)
class IdentityAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "team", "platform", "status", "risk_tier")
    list_filter = ("status", "kind", "risk_tier")
    search_fields = ("name", "external_id")


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin):
    list_display = ("label", "identity", "kind", "status", "issued_at", "expires_at")
    list_filter = ("status", "kind")
    search_fields = ("label", "identity__name", "key_id")
