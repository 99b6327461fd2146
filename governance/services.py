"""Writes for ownership: control domains, the RACI matrix, and the guardian object
permissions materialised from it. Admin-only, transactional, with history change reasons."""

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet

from core.bulk import id_list, insert_ignore
from core.observability import log_write
from core.roles import is_admin, is_read_only
from identities.bulk import copy_rows
from identities.choices import EventKind
from identities.models import (
    Identity,
    IdentityGroupObjectPermission,
    IdentityUserObjectPermission,
    Platform,
    Team,
)
from identities.secrets import ensure_no_secret_values
from identities.timeline import lifecycle_event_record

from .choices import PERMISSION_DOMAINS, TEAM_ASSIGNABLE_ROLES, DomainKey, Role, Scope
from .materialise import affected_identity_ids
from .models import Assignment, ControlDomain
from .resolution import identity_rows, resolve

SCOPE_MODELS = {Scope.PLATFORM: Platform, Scope.TEAM: Team, Scope.IDENTITY: Identity}
SCOPE_FIELDS = {Scope.PLATFORM: "platform", Scope.TEAM: "team", Scope.IDENTITY: "identity"}
VIEW, CHANGE, OWN = "view_identity", "change_identity", "own_identity"


def _require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied("Only admins edit control domains and the RACI matrix.")


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    ensure_no_secret_values({"reason": reason})
    if not reason:
        raise ValidationError({"reason": "Give a reason for the change: it goes into history."})
    return reason


# --- control domains --------------------------------------------------------------------
@transaction.atomic
def control_domain_create(
    *,
    actor,
    key: str,
    name: str,
    function: str = "",
    description: str = "",
    decision_rights: list[str] | None = None,
    position: int = 100,
    reason: str = "",
) -> ControlDomain:
    _require_admin(actor)
    ensure_no_secret_values({"reason": reason})
    domain = ControlDomain(
        key=key,
        name=name,
        function=function,
        description=description,
        decision_rights=list(decision_rights or []),
        position=position,
    )
    domain.full_clean()
    domain._change_reason = reason.strip() or f"domain created by {actor}"
    domain._history_user = actor
    domain.save()
    return domain


# --- the RACI matrix --------------------------------------------------------------------
def _scope_filter(scope_kind: str, scope_obj) -> dict:
    if scope_kind == Scope.GLOBAL:
        return {"scope_kind": Scope.GLOBAL}
    return {"scope_kind": scope_kind, SCOPE_FIELDS[scope_kind]: scope_obj}


def _scope_label(scope_kind: str, scope_obj) -> str:
    return "global scope" if scope_kind == Scope.GLOBAL else f"{scope_kind} {scope_obj}"


def _accountable_taken(domain, scope_kind, scope_obj) -> ValidationError:
    return ValidationError(
        {
            "role": f"{domain} already has an accountable (A) owner at "
            f"{_scope_label(scope_kind, scope_obj)}: there can be only one. "
            "Remove it, or replace it, first."
        }
    )


def _validate(domain, scope_kind, scope_obj, role, assignee_user, assignee_team) -> None:
    if not isinstance(domain, ControlDomain):
        raise ValidationError({"domain": "Choose a control domain."})
    if scope_kind not in Scope.values:
        raise ValidationError({"scope_kind": f"Unknown scope {scope_kind!r}."})
    if scope_kind == Scope.GLOBAL:
        if scope_obj is not None:
            raise ValidationError({"scope_kind": "The global scope takes no scope object."})
    elif not isinstance(scope_obj, SCOPE_MODELS[scope_kind]) or scope_obj.pk is None:
        raise ValidationError({"scope_kind": f"Choose the {scope_kind} this assignment is for."})
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}: use R, A, C or I."})
    if (assignee_user is None) == (assignee_team is None):
        raise ValidationError({"assignee": "Assign exactly one person or one team."})
    if assignee_team is not None and role not in TEAM_ASSIGNABLE_ROLES:
        raise ValidationError(
            {"assignee": "The accountable (A) must be one named person, not a team."}
        )
    if (
        role in (Role.ACCOUNTABLE, Role.RESPONSIBLE)
        and assignee_user
        and is_read_only(assignee_user)
    ):
        raise ValidationError(
            {
                "assignee": f"{assignee_user} is an auditor: auditors read and export, so "
                "they cannot be accountable (A) or responsible (R)."
            }
        )
    if role == Role.ACCOUNTABLE and not assignee_user.is_active:
        raise ValidationError(
            {"assignee": f"{assignee_user} is deactivated: the A must be an active person."}
        )


def assignment_set(
    *,
    actor,
    domain: ControlDomain,
    scope_kind: str,
    scope_obj=None,
    role: str,
    assignee_user=None,
    assignee_team=None,
    reason: str,
    replace: bool = False,
) -> Assignment:
    """Add an entry to the RACI matrix. A second A for the same (domain, scope) is refused
    (the database enforces it, also under concurrent requests) unless `replace=True`, which
    removes the current A in the same transaction."""
    _require_admin(actor)
    reason = _require_reason(reason)
    _validate(domain, scope_kind, scope_obj, role, assignee_user, assignee_team)
    where = {"domain": domain, **_scope_filter(scope_kind, scope_obj)}
    replaced = None
    with transaction.atomic():
        if role == Role.ACCOUNTABLE:
            current = Assignment.objects.select_for_update().filter(**where, role=role).first()
            if current is not None and current.assignee_user_id == assignee_user.pk:
                return current
            if current is not None and not replace:
                raise _accountable_taken(domain, scope_kind, scope_obj)
            if current is not None:  # its rows and permissions pass to the new A, below
                current._successor_follows = True  # governance.apps, materialise.reassign
                _delete(actor, current, f"replaced: {reason}", sync_permissions=False)
                replaced = current.pk
        else:
            same = Assignment.objects.filter(
                **where, role=role, assignee_user=assignee_user, assignee_team=assignee_team
            ).first()
            if same is not None:
                return same
        assignment = Assignment(
            **where,
            role=role,
            assignee_user=assignee_user,
            assignee_team=assignee_team,
            created_by=actor,
        )
        assignment._change_reason = reason
        assignment._history_user = actor
        assignment._replaces = replaced
        try:
            with transaction.atomic():
                assignment.save()
        except IntegrityError:
            # A concurrent request set the A first: the partial unique index refused ours.
            raise _accountable_taken(domain, scope_kind, scope_obj) from None
        _after_change(actor, assignment, f"{role} set to {assignment.assignee_label}: {reason}")
    log_write("assignment.set", actor=actor, obj=assignment, role=role, domain=domain.key)
    return assignment


def assignment_remove(*, actor, assignment: Assignment, reason: str) -> None:
    _require_admin(actor)
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("domain", "identity", "assignee_user", "assignee_team")
            .filter(pk=assignment.pk)
            .first()
        )
        if locked is None:
            raise ValidationError("This assignment was already removed.")
        _delete(actor, locked, reason)


def _delete(actor, assignment: Assignment, reason: str, *, sync_permissions=True) -> None:
    summary = f"{assignment.role} {assignment.assignee_label} removed: {reason}"
    assignment._change_reason = reason
    assignment._history_user = actor
    pk = assignment.pk
    assignment.delete()
    assignment.pk = pk  # keep it for the permission sync and the timeline
    _after_change(actor, assignment, summary, sync_permissions=sync_permissions)
    log_write("assignment.remove", actor=actor, obj=assignment, role=assignment.role)


def _after_change(actor, assignment: Assignment, summary: str, *, sync_permissions=True) -> None:
    """`sync_permissions=False`: a replaced A, whose successor (same domain and scope, same
    transaction) syncs the same identities — a global A's sync is every identity's (~2 s)."""
    if sync_permissions and assignment.domain.key in PERMISSION_DOMAINS:
        permissions_sync(identity_ids=affected_identity_ids(assignment))
    if assignment.scope_kind == Scope.IDENTITY:
        lifecycle_event_record(
            identity=assignment.identity,
            kind=EventKind.OWNER_CHANGED,
            actor=actor,
            summary=f"{assignment.domain}: {summary}",
            details={"domain": assignment.domain.key, "role": assignment.role},
            related=assignment,
        )


# --- permissions materialised from the RACI ---------------------------------------------
def desired_permissions(identity_ids=None) -> tuple[set[tuple], set[tuple]]:
    """(user grants, group grants) as sets of (identity id, user/group id, codename).

    A and R of the identity and engineering domains may change (and view) the identity;
    C and I may view it; the A of the identity domain also holds `own_identity`. Team
    assignees are granted through the team's group."""
    rows = (
        identity_rows(identity_ids)
        if identity_ids is not None
        else identity_rows(Identity.objects.values("id"))
    )
    domains = list(ControlDomain.objects.filter(key__in=PERMISSION_DOMAINS))
    users: set[tuple] = set()
    groups: set[tuple] = set()
    for identity_id, per_domain in resolve(rows, domains).items():
        for raci in per_domain.values():
            if raci.accountable is not None:
                users.add((identity_id, raci.accountable.pk, CHANGE))
                if raci.domain.key == DomainKey.IDENTITY:
                    users.add((identity_id, raci.accountable.pk, OWN))
            for entries, codename in (
                (raci.responsible, CHANGE),
                (raci.consulted, VIEW),
                (raci.informed, VIEW),
            ):
                for _label, who, _explain in entries:
                    if isinstance(who, Team):
                        groups.add((identity_id, who.group_id, codename))
                    else:
                        users.add((identity_id, who.pk, codename))
    # change implies view
    users |= {(i, u, VIEW) for i, u, c in users if c == CHANGE}
    groups |= {(i, g, VIEW) for i, g, c in groups if c == CHANGE}
    return users, groups


def permissions_sync(*, identity_ids=None, fresh: bool = False) -> dict[str, int]:
    """Rebuild the guardian view/change grants on identities from the RACI matrix, set-based:
    one diff, one bulk delete and one bulk create per table. `None` rebuilds them all.
    `fresh`: identities just inserted in this transaction, which hold no grants yet — no
    diff, and on PostgreSQL the grants are copied in (`COPY`, no conflict check)."""
    perms = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(Identity),
            codename__in=(VIEW, CHANGE, OWN),
        )
    }
    by_id = {p.pk: p.codename for p in perms.values()}
    want_users, want_groups = desired_permissions(identity_ids)
    stats = {}
    for model, who, wanted in (
        (IdentityUserObjectPermission, "user_id", want_users),
        (IdentityGroupObjectPermission, "group_id", want_groups),
    ):
        existing = {} if fresh else _existing_grants(model, who, perms, by_id, identity_ids)
        stale = [pk for key, pk in existing.items() if key not in wanted]
        missing = [key for key in wanted if key not in existing]
        if stale:
            model.objects.filter(pk__in=stale).delete()
        rows = [(i, holder, perms[c].pk) for i, holder, c in missing]
        if fresh and rows and connection.vendor == "postgresql":
            copy_rows(model, ["content_object_id", who, "permission_id"], rows)
        elif rows:
            insert_ignore(model, ("content_object_id", who, "permission_id"), rows)
        stats[model.__name__] = {"added": len(missing), "removed": len(stale)}
    return stats


def _existing_grants(model, who, perms, by_id, identity_ids) -> dict[tuple, int]:
    """{(identity id, user/group id, codename): grant pk} of the grants held now."""
    existing_qs = model.objects.filter(permission__in=perms.values())
    if identity_ids is not None:
        ids = identity_ids if isinstance(identity_ids, QuerySet) else id_list(identity_ids)
        existing_qs = existing_qs.filter(content_object_id__in=ids)
    return {
        (obj_id, holder, by_id[perm_id]): pk
        for pk, obj_id, holder, perm_id in existing_qs.values_list(
            "pk", "content_object_id", who, "permission_id"
        )
    }
