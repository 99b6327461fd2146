"""The baselines: hand-written SQL computing what each measured path computes.

Each is one statement run through the raw psycopg cursor, rows fetched to the client — the
physical floor of the same answer from the same database."""

from __future__ import annotations

GOVERNED = ("pending", "active", "suspended")
LIVE = ("active", "suspended", "pending")

# The four scopes an assignment can apply to an identity from, most specific first.
_APPLICABLE = """
    SELECT i.id AS identity_id, a.domain_id, a.role, a.id AS assignment_id,
           a.assignee_user_id, a.assignee_team_id, 0 AS rank
      FROM {ids} i JOIN governance_assignment a
        ON a.scope_kind = 'identity' AND a.identity_id = i.id {role}
    UNION ALL
    SELECT i.id, a.domain_id, a.role, a.id, a.assignee_user_id, a.assignee_team_id, 1
      FROM {ids} i JOIN governance_assignment a
        ON a.scope_kind = 'team' AND a.team_id = i.team_id {role}
    UNION ALL
    SELECT i.id, a.domain_id, a.role, a.id, a.assignee_user_id, a.assignee_team_id, 2
      FROM {ids} i JOIN governance_assignment a
        ON a.scope_kind = 'platform' AND a.platform_id = i.platform_id {role}
    UNION ALL
    SELECT i.id, a.domain_id, a.role, a.id, a.assignee_user_id, a.assignee_team_id, 3
      FROM {ids} i JOIN governance_assignment a
        ON a.scope_kind = 'global' {role}
"""


def applicable(ids: str = "identities_identity", role: str = "") -> str:
    return _APPLICABLE.format(ids=ids, role=f"AND a.role = '{role}'" if role else "")


# (2) effective RACI of every identity: per (identity, domain, role) the assignments of the
# most specific scope that sets that role.
EFFECTIVE_RACI = f"""
SELECT identity_id, domain_id, role, assignment_id, assignee_user_id, assignee_team_id
  FROM (SELECT c.*, rank() OVER (PARTITION BY identity_id, domain_id, role ORDER BY rank) AS r
          FROM ({applicable()}) c) x
 WHERE r = 1
"""  # noqa: S608

# (2) ownership gaps: governed identities x domains with no effective A, or an inactive one.
GAPS = f"""
WITH a AS ({applicable("(SELECT * FROM identities_identity WHERE status IN ('pending', 'active', 'suspended'))", "A")}),
best AS (SELECT DISTINCT ON (identity_id, domain_id) identity_id, domain_id, assignee_user_id
           FROM a ORDER BY identity_id, domain_id, rank, assignment_id)
SELECT i.id, d.key, CASE WHEN b.identity_id IS NULL THEN 'no_accountable'
                         ELSE 'inactive_accountable' END
  FROM identities_identity i CROSS JOIN governance_controldomain d
  LEFT JOIN best b ON b.identity_id = i.id AND b.domain_id = d.id
  LEFT JOIN auth_user u ON u.id = b.assignee_user_id
 WHERE i.status IN ('pending', 'active', 'suspended')
   AND (b.identity_id IS NULL OR NOT u.is_active)
"""  # noqa: S608, E501

# (3) the rows each sweep finds due, as of %(now)s
ROTATION_DUE = """
SELECT c.id, c.identity_id, c.label,
       LEAST(c.issued_at + p.max_age_days * interval '1 day',
             COALESCE(c.expires_at, 'infinity')) AS due, p.id
  FROM identities_credential c
  JOIN identities_identity i ON i.id = c.identity_id
  JOIN (SELECT p.*, COALESCE((SELECT MAX(x::int) FROM jsonb_array_elements_text(p.reminder_days) x
                               WHERE x::int >= 0), 0) AS lead
          FROM lifecycle_rotationpolicy p) p
    ON p.credential_kind = c.kind AND p.risk_tier = i.risk_tier
 WHERE c.status = 'active' AND i.status IN ('active', 'suspended', 'pending')
   AND (c.expires_at <= %(now)s + p.lead * interval '1 day'
        OR c.issued_at <= %(now)s + (p.lead - p.max_age_days) * interval '1 day')
"""

EXPIRY_DUE = """
SELECT 'credential', c.id FROM identities_credential c
  JOIN identities_identity i ON i.id = c.identity_id
  JOIN lifecycle_rotationpolicy p ON p.credential_kind = c.kind AND p.risk_tier = i.risk_tier
 WHERE c.status = 'active' AND c.expires_at <= %(now)s AND p.action_at_expiry <> 'notify'
UNION ALL
SELECT 'grant', g.id FROM approvals_grant g WHERE g.status = 'active' AND g.expires_at <= %(now)s
UNION ALL
SELECT 'request', r.id FROM approvals_request r
 WHERE r.status = 'pending' AND r.expires_at <= %(now)s
"""

DECOMMISSION_DUE = """
SELECT 'ended', id, name, ends_on::timestamptz FROM identities_identity
 WHERE status IN ('active', 'suspended') AND ends_on < %(today)s
UNION ALL
SELECT 'unused', id, name, COALESCE(last_used_at, created_at) FROM identities_identity
 WHERE status = 'active'
   AND (last_used_at < %(unused_before)s
        OR (last_used_at IS NULL AND created_at < %(unused_before)s))
"""

ESCALATION_DUE = f"""
SELECT 'gap', g.id, g.key FROM ({GAPS}) g(id, key, reason)
UNION ALL
SELECT 'review', id, '' FROM approvals_grant WHERE review_due_at <= %(now)s AND reviewed_at IS NULL
"""  # noqa: S608

SWEEP_DUE = {
    "rotation": ROTATION_DUE,
    "expiry": EXPIRY_DUE,
    "decommission": DECOMMISSION_DUE,
    "escalation": ESCALATION_DUE,
}


# (1) the identity list page, by hand: the count and the page, for a scoped engineer.
def identity_page_sql(*, user_id: int, status: str, environment: str, q: str) -> list[tuple]:
    scope = """i.id IN (
        SELECT p.content_object_id FROM identities_identityuserobjectpermission p
          JOIN auth_permission ap ON ap.id = p.permission_id
         WHERE p.user_id = %(user)s AND ap.codename = 'view_identity'
        UNION
        SELECT p.content_object_id FROM identities_identitygroupobjectpermission p
          JOIN auth_permission ap ON ap.id = p.permission_id
          JOIN auth_user_groups ug ON ug.group_id = p.group_id
         WHERE ug.user_id = %(user)s AND ap.codename = 'view_identity'
        UNION
        SELECT x.id FROM identities_identity x
          JOIN identities_team t ON t.id = x.team_id
          JOIN auth_user_groups ug ON ug.group_id = t.group_id
         WHERE ug.user_id = %(user)s)"""
    where = f"""{scope} AND i.status = %(status)s AND i.environment = %(env)s
        AND (UPPER(i.name::text) LIKE UPPER(%(q)s) OR UPPER(i.external_id::text) LIKE UPPER(%(q)s)
             OR UPPER(i.purpose) LIKE UPPER(%(q)s))"""  # icontains, as the trigram index holds it
    params = {"user": user_id, "status": status, "env": environment, "q": f"%{q}%"}
    count = f"SELECT COUNT(*) FROM identities_identity i WHERE {where}"  # noqa: S608
    page = f"""SELECT i.*, t.name, t.slug, p.name, p.slug, p.kind
                 FROM identities_identity i
                 JOIN identities_team t ON t.id = i.team_id
                 JOIN identities_platform p ON p.id = i.platform_id
                WHERE {where} ORDER BY i.name, i.id LIMIT 50"""  # noqa: S608
    return [(count, params), (page, params)]
