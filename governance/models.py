"""Control domains and the RACI matrix. The matrix is the source of truth for ownership;
guardian object permissions on identities are materialised from it (see services)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.history import GovernedHistory
from core.models import TimeStampedModel

from .choices import Role, Scope


class ControlDomain(TimeStampedModel):
    """An area of decision rights (identity, runtime policy, consumption, ...)."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120, unique=True)
    function = models.CharField(
        max_length=80, blank=True, help_text="Who usually holds it, e.g. 'IAM', 'finance'."
    )
    description = models.TextField(blank=True)
    decision_rights = models.JSONField(
        default=list, blank=True, help_text="The decisions this domain's accountable owner makes."
    )
    position = models.PositiveSmallIntegerField(default=100)
    history = GovernedHistory()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


def _scope_q(kind: str, *, platform: bool, team: bool, identity: bool) -> Q:
    return (
        Q(scope_kind=kind)
        & Q(platform__isnull=not platform)
        & Q(team__isnull=not team)
        & Q(identity__isnull=not identity)
    )


class Assignment(TimeStampedModel):
    """One cell entry of the RACI matrix: (domain, scope, role, assignee)."""

    domain = models.ForeignKey(ControlDomain, on_delete=models.PROTECT, related_name="assignments")
    scope_kind = models.CharField(max_length=10, choices=Scope.choices)
    platform = models.ForeignKey(
        "identities.Platform",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="raci_assignments",
    )
    team = models.ForeignKey(
        "identities.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="raci_assignments",
    )
    identity = models.ForeignKey(
        "identities.Identity",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="raci_assignments",
    )
    role = models.CharField(max_length=1, choices=Role.choices)
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="raci_assignments",
    )
    assignee_team = models.ForeignKey(
        "identities.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="raci_team_assignments",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = GovernedHistory()

    class Meta:
        ordering = ["domain__position", "scope_kind", "role", "id"]
        constraints = [
            models.CheckConstraint(
                name="assignment_scope_matches_kind",
                condition=(
                    _scope_q(Scope.GLOBAL, platform=False, team=False, identity=False)
                    | _scope_q(Scope.PLATFORM, platform=True, team=False, identity=False)
                    | _scope_q(Scope.TEAM, platform=False, team=True, identity=False)
                    | _scope_q(Scope.IDENTITY, platform=False, team=False, identity=True)
                ),
            ),
            models.CheckConstraint(
                name="assignment_one_assignee",
                condition=(
                    Q(assignee_user__isnull=False, assignee_team__isnull=True)
                    | Q(assignee_user__isnull=True, assignee_team__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="assignment_accountable_is_a_person",
                condition=~Q(role=Role.ACCOUNTABLE) | Q(assignee_user__isnull=False),
            ),
            # At most one A per (domain, scope): one partial unique index per scope kind.
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(role=Role.ACCOUNTABLE, scope_kind=Scope.GLOBAL),
                name="one_accountable_per_domain_global",
            ),
            models.UniqueConstraint(
                fields=["domain", "platform"],
                condition=Q(role=Role.ACCOUNTABLE, scope_kind=Scope.PLATFORM),
                name="one_accountable_per_domain_platform",
            ),
            models.UniqueConstraint(
                fields=["domain", "team"],
                condition=Q(role=Role.ACCOUNTABLE, scope_kind=Scope.TEAM),
                name="one_accountable_per_domain_team",
            ),
            models.UniqueConstraint(
                fields=["domain", "identity"],
                condition=Q(role=Role.ACCOUNTABLE, scope_kind=Scope.IDENTITY),
                name="one_accountable_per_domain_identity",
            ),
        ]
        indexes = [
            models.Index(fields=["domain", "scope_kind", "role"]),
            models.Index(fields=["team", "domain"]),
            models.Index(fields=["platform", "domain"]),
            models.Index(fields=["identity", "domain"]),
        ]

    def __str__(self) -> str:
        return f"{self.domain.key} · {self.scope_label} · {self.role} · {self.assignee_label}"

    @property
    def scope_obj(self):
        return {
            Scope.PLATFORM: self.platform,
            Scope.TEAM: self.team,
            Scope.IDENTITY: self.identity,
        }.get(self.scope_kind)

    @property
    def scope_label(self) -> str:
        obj = self.scope_obj
        return "Global" if obj is None else str(obj)

    @property
    def assignee(self):
        return self.assignee_user if self.assignee_user_id else self.assignee_team

    @property
    def assignee_label(self) -> str:
        if self.assignee_user_id:
            user = self.assignee_user
            return user.get_full_name() or user.get_username()
        return f"team {self.assignee_team}"


class EffectiveOwner(models.Model):
    """The RACI matrix resolved, as data: per (identity, domain), the A chain and the
    effective R, each row with the assignment it comes from.

    `role` A: every A that applies, `precedence` 0 the effective one (most specific scope),
    1.. the wider scopes' in precedence order — so the acting A of a leaver (the next active
    one up) is a join on the user's `is_active`, and a deactivation needs no rewrite.
    `role` R: the R entries of the most specific scope that sets R, `precedence` 0.. by id.
    C and I are not materialised (nothing joins on them).

    Derived, not governed (no history): maintained by `governance.materialise` in the
    transaction of every change that moves it, rebuilt by `rebuild_effective_owners`, and
    checked against the Python resolver by `check_effective_owners`."""

    # Derived rows carry no database foreign-key constraints: one refresh writes hundreds of
    # thousands of them, and deferred constraint checks would cost as much again. Their
    # integrity is the refresh's (it rewrites the rows of an assignment as it goes), and
    # `check_effective_owners` names any orphan. Nor single-column indexes the composite
    # ones below already lead with: each index is paid on every row a refresh writes.
    identity = models.ForeignKey(
        "identities.Identity",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="effective_owners",
    )
    domain = models.ForeignKey(
        ControlDomain,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    role = models.CharField(max_length=1, choices=Role.choices)
    precedence = models.PositiveSmallIntegerField()
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "identities.Team",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["identity", "domain", "role", "precedence"],
                name="effective_owner_one_per_place",
            )
        ]
        indexes = [
            models.Index(fields=["user", "role", "domain"]),
            models.Index(fields=["domain", "role", "precedence"]),
            models.Index(fields=["assignment"]),
        ]

    def __str__(self) -> str:
        return f"{self.identity_id} · {self.domain_id} · {self.role}{self.precedence}"
