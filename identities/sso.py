"""Single sign-on with OpenID Connect (mozilla-django-oidc): who a person is, and their roles
and teams, come from the identity provider at every sign-in.

Why mozilla-django-oidc rather than django-allauth: one backend class and three views, no
models, no account/e-mail machinery we would have to switch off; the code flow with PKCE,
nonce and ID-token signature checks are built in.
"""

import logging
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCLogoutView

from core.accounts import memberships_sync
from core.observability import log_write
from core.roles import ROLE_GROUPS

from .models import Team

log = logging.getLogger(__name__)
SSO_REASON = "single sign-on: the identity provider's groups claim at sign-in"


# --- the service: roles and teams from the groups claim ----------------------------------
@transaction.atomic
def user_sync_from_claims(*, user, claims: dict):
    """Make the user's role groups and team memberships exactly what the IdP's groups claim
    says: groups the claim maps to are added, managed groups it no longer names are removed,
    each change recorded as an AccountChange like an admin's (core.accounts). Groups Steward
    does not manage (none today) are left alone."""
    raw = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    names = {str(g) for g in (raw if isinstance(raw, list) else [raw])}
    roles = {settings.OIDC_ROLE_GROUPS[n] for n in names if n in settings.OIDC_ROLE_GROUPS}
    roles &= set(ROLE_GROUPS)
    prefix = settings.OIDC_TEAM_PREFIX
    slugs = {n[len(prefix) :] for n in names if n.startswith(prefix)}
    wanted = [Group.objects.get_or_create(name=role)[0] for role in roles]
    wanted += [t.group for t in Team.objects.filter(slug__in=slugs).select_related("group")]
    managed = Group.objects.filter(Q(name__in=ROLE_GROUPS) | Q(team__isnull=False))
    teams = Team.objects.filter(Q(slug__in=slugs) | Q(group__user=user))
    memberships_sync(
        user=user,
        wanted=wanted,
        managed=managed,
        reason=SSO_REASON,
        labels=dict(teams.values_list("group_id", "name")),
    )
    user.email = claims.get("email", user.email) or ""
    full = (claims.get("name") or "").strip()
    first, _, last = full.partition(" ")
    user.first_name, user.last_name = first[:150], last[:150]
    user.save(update_fields=["email", "first_name", "last_name"])
    log_write("user.sso_sync", actor=user, obj=user, roles=sorted(roles), teams=sorted(slugs))
    return user


class StewardOIDCBackend(OIDCAuthenticationBackend):
    """Matches people on OIDC_USERNAME_CLAIM; never signs in as a local (password) account."""

    def _username(self, claims) -> str:
        return str(claims.get(settings.OIDC_USERNAME_CLAIM) or claims.get("sub") or "")[:150]

    def verify_claims(self, claims) -> bool:
        return bool(self._username(claims))

    def filter_users_by_claims(self, claims):
        return get_user_model().objects.filter(username=self._username(claims))

    def create_user(self, claims):
        user = get_user_model().objects.create_user(self._username(claims))  # unusable password
        return user_sync_from_claims(user=user, claims=claims)

    def update_user(self, user, claims):
        if user.has_usable_password():
            log.warning("SSO sign-in refused: %s is a local account", user.pk)
            raise PermissionDenied("A local account of that name exists.")
        if not user.is_active:
            raise PermissionDenied("This account is deactivated.")
        return user_sync_from_claims(user=user, claims=claims)


# --- sign-in and sign-out pages ---------------------------------------------------------
class LoginView(auth_views.LoginView):
    """The sign-in page: a single sign-on button when SSO is on, the password form while local
    accounts are on."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sso_enabled=settings.OIDC_ENABLED,
            local_enabled=settings.LOCAL_ACCOUNTS_ENABLED,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not settings.LOCAL_ACCOUNTS_ENABLED:
            raise PermissionDenied("Sign in with single sign-on.")
        return super().post(request, *args, **kwargs)


def sso_view(view):
    """mozilla-django-oidc's views, public (the provider's redirects come back signed out),
    and absent (404) while single sign-on is off."""

    @login_not_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        return view(request, *args, **kwargs)

    return wrapped


def logout_view(request):
    """Sign out; a person signed in through the IdP is also signed out there (OpenID Connect
    RP-Initiated Logout 1.0) when it advertises an end-session endpoint."""
    if request.method == "POST" and request.session.get("oidc_id_token"):
        return OIDCLogoutView.as_view()(request)
    return auth_views.LogoutView.as_view()(request)


def provider_logout_url(request) -> str:
    """OIDC_OP_LOGOUT_URL_METHOD: the IdP's end-session URL with the ID token as hint
    (RP-Initiated Logout 1.0 §2), back to our sign-in page afterwards."""
    endpoint = settings.OIDC_OP_END_SESSION_ENDPOINT
    id_token = request.session.get("oidc_id_token")
    back = request.build_absolute_uri(reverse("login"))
    if not endpoint or not id_token:
        return back
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": back})
    return f"{endpoint}?{query}"


__all__ = ["LoginView", "StewardOIDCBackend", "logout_view", "sso_view", "user_sync_from_claims"]
