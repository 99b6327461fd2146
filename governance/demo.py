"""Demo RACI matrix: global owners for every domain, some team/platform assignments and,
on purpose, a few ownership gaps. Idempotent: existing assignments are left alone."""

from django.contrib.auth import get_user_model

from identities.models import Identity, Platform, Team

from .choices import DomainKey, Role, Scope
from .models import Assignment, ControlDomain
from .services import assignment_set, permissions_sync

REASON = "demo data"
FORMER_LEAD = "pat-former"  # a deactivated account that still holds an A: a gap


def seed(ctx: dict) -> None:
    users = ctx["users"]
    put = _putter(users["admin"])
    teams = {t.slug: t for t in Team.objects.all()}
    platforms = {p.slug: p for p in Platform.objects.all()}
    _seed_global(put, users, teams)
    _seed_scoped(put, users, teams, platforms)
    _seed_former_lead_gap(put, teams)

    # One identity-level override.
    identity = Identity.objects.filter(team__slug="payments").order_by("id").first()
    put(DomainKey.IDENTITY, Role.ACCOUNTABLE, Scope.IDENTITY, identity, user=users["engineer"])

    permissions_sync()
    stdout = ctx.get("stdout")
    if stdout is not None:
        stdout.write(f"RACI matrix: {Assignment.objects.count()} assignments.")


def _putter(admin):
    """`put(domain key, role, scope kind, scope object, user=, team=)`: add an assignment
    unless the domain or scope is missing, the cell already has an A, or it is already there."""
    domains = {d.key: d for d in ControlDomain.objects.all()}

    def put(domain_key, role, scope_kind=Scope.GLOBAL, scope_obj=None, user=None, team=None):
        domain = domains.get(domain_key)
        if domain is None or (scope_kind != Scope.GLOBAL and scope_obj is None):
            return
        where = {"domain": domain, "scope_kind": scope_kind, "role": role}
        if scope_kind != Scope.GLOBAL:
            where[scope_kind] = scope_obj
        existing = Assignment.objects.filter(**where)
        if role == Role.ACCOUNTABLE and existing.exists():
            return
        if existing.filter(assignee_user=user, assignee_team=team).exists():
            return
        assignment_set(
            actor=admin,
            domain=domain,
            scope_kind=scope_kind,
            scope_obj=scope_obj,
            role=role,
            assignee_user=user,
            assignee_team=team,
            reason=REASON,
        )

    return put


def _seed_global(put, users, teams) -> None:
    """Global accountable owners: mostly `owner`, consumption is finance's."""
    for key in (DomainKey.IDENTITY, DomainKey.RUNTIME_POLICY, DomainKey.ENGINEERING):
        put(key, Role.ACCOUNTABLE, user=users["owner"])
    put(DomainKey.CONSUMPTION, Role.ACCOUNTABLE, user=users["finance"])
    put(DomainKey.EXCEPTIONS, Role.ACCOUNTABLE, user=users["owner"])
    put(DomainKey.IDENTITY, Role.RESPONSIBLE, team=teams.get("security"))
    put(DomainKey.RUNTIME_POLICY, Role.RESPONSIBLE, team=teams.get("platform-eng"))
    put(DomainKey.ENGINEERING, Role.CONSULTED, team=teams.get("security"))
    put(DomainKey.EXCEPTIONS, Role.INFORMED, user=users["auditor"])
    put(DomainKey.CONSUMPTION, Role.INFORMED, team=teams.get("finance-ops"))


def _seed_scoped(put, users, teams, platforms) -> None:
    """Team and platform level."""
    payments, data_science = teams.get("payments"), teams.get("data-science")
    openai = platforms.get("openai")
    put(DomainKey.ENGINEERING, Role.ACCOUNTABLE, Scope.TEAM, payments, user=users["engineer"])
    put(DomainKey.ENGINEERING, Role.RESPONSIBLE, Scope.TEAM, payments, team=payments)
    put(DomainKey.ENGINEERING, Role.RESPONSIBLE, Scope.TEAM, data_science, team=data_science)
    put(DomainKey.RUNTIME_POLICY, Role.ACCOUNTABLE, Scope.PLATFORM, openai, user=users["owner"])
    put(DomainKey.CONSUMPTION, Role.RESPONSIBLE, Scope.PLATFORM, openai, user=users["finance"])


def _seed_former_lead_gap(put, teams) -> None:
    """Deliberate gap: growth's exceptions A left the company (deactivated account). The
    account is reactivated for the assignment (the service refuses inactive assignees)."""
    former = _former_lead()
    if teams.get("growth") is not None:
        if (
            not former.is_active
            and not Assignment.objects.filter(assignee_user=former, role=Role.ACCOUNTABLE).exists()
        ):
            former.is_active = True
            former.save(update_fields=["is_active"])
        put(DomainKey.EXCEPTIONS, Role.ACCOUNTABLE, Scope.TEAM, teams["growth"], user=former)
    if former.is_active:
        former.is_active = False
        former.save(update_fields=["is_active"])


def _former_lead():
    user, created = get_user_model().objects.get_or_create(
        username=FORMER_LEAD,
        defaults={"first_name": "Pat", "last_name": "Former", "email": "pat@example.com"},
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user
