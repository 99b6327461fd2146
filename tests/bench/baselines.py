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
    # the scope as the page writes it (core/lookups.py `in_ids`): the permitted ids first,
    # then those rows by primary key. The group grants join auth_group as the ORM does: without
    # it PostgreSQL misjudges the permission join and scans every group grant (~0.2 s).
    scope = """i.id = ANY(ARRAY(
        SELECT p.content_object_id FROM identities_identityuserobjectpermission p
          JOIN auth_permission ap ON ap.id = p.permission_id
         WHERE p.user_id = %(user)s AND ap.codename = 'view_identity'
        UNION
        SELECT p.content_object_id FROM identities_identitygroupobjectpermission p
          JOIN auth_group g ON g.id = p.group_id
          JOIN auth_user_groups ug ON ug.group_id = g.id
          JOIN auth_permission ap ON ap.id = p.permission_id
         WHERE ug.user_id = %(user)s AND ap.codename = 'view_identity'
        UNION
        SELECT x.id FROM identities_identity x
          JOIN identities_team t ON t.id = x.team_id
          JOIN auth_user_groups ug ON ug.group_id = t.group_id
         WHERE ug.user_id = %(user)s))"""
    where = f"""{scope} AND i.status = %(status)s AND i.environment = %(env)s
        AND (UPPER(i.name::text) LIKE UPPER(%(q)s) OR UPPER(i.external_id::text) LIKE UPPER(%(q)s)
             OR UPPER(i.purpose) LIKE UPPER(%(q)s))"""  # icontains, as the trigram index holds it
    params = {"user": user_id, "status": status, "env": environment, "q": f"%{q}%"}
    # the page's bounded count (core/pagination.py: exact up to 1,000 rows)
    count = (
        f"SELECT COUNT(*) FROM (SELECT i.id FROM identities_identity i WHERE {where} LIMIT 1001) c"  # noqa: S608
    )
    page = f"""SELECT i.*, t.name, t.slug, p.name, p.slug, p.kind
                 FROM identities_identity i
                 JOIN identities_team t ON t.id = i.team_id
                 JOIN identities_platform p ON p.id = i.platform_id
                WHERE {where} ORDER BY i.name, i.id LIMIT 50"""  # noqa: S608
    return [(count, params), (page, params)]


# (3) each sweep's writes, by hand: the due rows, their recipients, the notifications
# (INSERT … SELECT … ON CONFLICT DO NOTHING), the state changes (UPDATE … RETURNING) with
# their history rows and timeline events — one statement per sweep part, data-modifying CTEs.
# Parameters: %(now)s, %(today)s, %(unused_before)s, %(suspend_before)s, %(actor)s.
def _columns(model) -> str:
    return ", ".join(f'"{f.column}"' for f in model._meta.concrete_fields)


def _history(model, source: str, reason: str) -> str:
    """INSERT the history rows of the rows in CTE `source` (simple-history's columns),
    RETURNING them for `_ledger`."""
    cols = _columns(model)
    table = model.history.model._meta.db_table
    return f"""INSERT INTO {table} ({cols}, history_date, history_change_reason, history_type,
                                history_user_id)
               SELECT {cols}, now(), '{reason}', '~', %(actor)s FROM {source}
               RETURNING *"""  # noqa: S608


def _ledger(model, source: str) -> str:
    """The evidence ledger's pending row of each row in CTE `source` (history or timeline rows
    just inserted): its digest, SHA-256 of the row's JSON — as Steward writes one for every
    history and timeline row, in the same transaction (it hashes canonical JSON in Python)."""
    label, pk = model._meta.label_lower, model._meta.pk.column
    return f"""INSERT INTO evidence_pendingentry (source, record_pk, payload_digest)
               SELECT '{label}', s.{pk},
                      encode(sha256(convert_to(row_to_json(s)::text, 'UTF8')), 'hex')
                 FROM {source} s"""  # noqa: S608


NOTIFY = """INSERT INTO core_notification (kind, subject_type, subject_id, recipient_id, due_on,
    title, body, reason, link, created_at, email_status, email_attempts, last_error,
    claim_token)"""
NOTIFY_TAIL = "now(), 'pending', 0, '', ''"


def _owners(ids: str) -> str:
    """(identity_id, user_id, role, reminded) of the identity domain: its active R users
    (teams expanded) and its active A, `reminded` the R, else the A — for the identities of
    `ids` (a subquery of identities)."""
    app = applicable(ids)
    return f"""(WITH app AS (SELECT * FROM ({app}) x WHERE domain_id =
                  (SELECT id FROM governance_controldomain WHERE key = 'identity')),
      r AS (SELECT DISTINCT a.identity_id, COALESCE(a.assignee_user_id, m.user_id) AS user_id
              FROM app a
              JOIN (SELECT identity_id, MIN(rank) AS rank FROM app WHERE role = 'R'
                     GROUP BY identity_id) b USING (identity_id, rank)
              LEFT JOIN identities_team t ON t.id = a.assignee_team_id
              LEFT JOIN auth_user_groups m ON m.group_id = t.group_id
              JOIN auth_user u ON u.id = COALESCE(a.assignee_user_id, m.user_id) AND u.is_active
             WHERE a.role = 'R'),
      acc AS (SELECT DISTINCT ON (identity_id) identity_id, assignee_user_id AS user_id
                FROM app WHERE role = 'A' ORDER BY identity_id, rank, assignment_id)
    SELECT identity_id, user_id, 'R' AS role, true AS reminded FROM r
    UNION ALL
    SELECT acc.identity_id, acc.user_id, 'A', acc.identity_id NOT IN (SELECT identity_id FROM r)
      FROM acc JOIN auth_user u ON u.id = acc.user_id WHERE u.is_active)"""  # noqa: S608


def _due_identities(due: str) -> str:
    return f"(SELECT * FROM identities_identity WHERE id IN (SELECT identity_id FROM {due}))"  # noqa: S608


ROTATION_WRITES = f"""
WITH due AS (SELECT d.*, p.escalate_after_days,
                    (SELECT MIN(x::int) FROM jsonb_array_elements_text(p.reminder_days) x
                      WHERE d.due <= %(now)s + x::int * interval '1 day') AS lead
               FROM ({ROTATION_DUE}) d(id, identity_id, label, due, policy_id)
               JOIN lifecycle_rotationpolicy p ON p.id = d.policy_id),
own AS {_owners(_due_identities("due"))}
{NOTIFY}
SELECT CASE WHEN d.due <= %(now)s THEN 'rotation_overdue' ELSE 'rotation_due_' || d.lead || 'd'
       END, 'identities.credential', d.id, o.user_id, d.due::date,
       'Rotate ''' || d.label || ''' by ' || to_char(d.due, 'YYYY-MM-DD'),
       '', CASE WHEN o.role = 'R' THEN 'You are responsible (R).' ELSE 'You are the A.' END,
       '/identities/' || d.identity_id || '/#credentials', {NOTIFY_TAIL}
  FROM due d JOIN own o ON o.identity_id = d.identity_id AND o.reminded
UNION ALL
SELECT 'rotation_escalated', 'identities.credential', d.id, a.user_id, d.due::date,
       'Escalated: ''' || d.label || ''' was due', '', 'You are the A.',
       '/identities/' || d.identity_id || '/#credentials', {NOTIFY_TAIL}
  FROM due d JOIN own a ON a.identity_id = d.identity_id AND a.role = 'A' AND NOT a.reminded
 WHERE d.due <= %(now)s - d.escalate_after_days * interval '1 day'
ON CONFLICT DO NOTHING
"""  # noqa: S608


def expiry_writes() -> list[str]:
    from approvals.models import Grant, Request
    from identities.models import Credential, LifecycleEvent

    historical_credential = Credential.history.model

    credentials = f"""
WITH ended AS (
  UPDATE identities_credential c SET status = 'expired', updated_at = %(now)s
    FROM identities_identity i, lifecycle_rotationpolicy p
   WHERE i.id = c.identity_id AND p.credential_kind = c.kind AND p.risk_tier = i.risk_tier
     AND c.status = 'active' AND c.expires_at <= %(now)s AND p.action_at_expiry <> 'notify'
  RETURNING c.*),
h AS ({_history(Credential, "ended", "expired: reached its expiry (sweep)")}),
hl AS ({_ledger(historical_credential, "h")}),
r AS (UPDATE core_notification SET read_at = %(now)s  -- their reminders resolved
       WHERE read_at IS NULL AND subject_type = 'identities.credential'
         AND subject_id IN (SELECT id FROM ended)),
e AS (INSERT INTO identities_lifecycleevent (identity_id, kind, occurred_at, actor_id, summary,
        credential_id, related_type, details)
      SELECT identity_id, 'credential_expired', %(now)s, %(actor)s,
             '''' || label || ''' expired', id, '', '{{}}' FROM ended RETURNING *),
el AS ({_ledger(LifecycleEvent, "e")}),
own AS {_owners(_due_identities("ended"))}
{NOTIFY}
SELECT 'credential_expired', 'identities.credential', c.id, o.user_id, c.expires_at::date,
       '''' || c.label || ''' expired', '', 'You own this identity''s credentials.',
       '/identities/' || c.identity_id || '/#credentials', {NOTIFY_TAIL}
  FROM ended c JOIN own o ON o.identity_id = c.identity_id
ON CONFLICT DO NOTHING"""  # noqa: S608
    grants = f"""
WITH ended AS (
  UPDATE approvals_grant SET status = 'expired', ended_at = %(now)s, ended_by_id = %(actor)s,
         end_reason = 'reached its end time'
   WHERE status = 'active' AND expires_at <= %(now)s RETURNING *),
h AS ({_history(Grant, "ended", "grant expired: reached its end time")}),
hl AS ({_ledger(Grant.history.model, "h")}),
e AS (INSERT INTO identities_lifecycleevent (identity_id, kind, occurred_at, actor_id, summary,
        related_type, related_id, details)
      SELECT identity_id, 'grant_expired', %(now)s, %(actor)s, 'grant #' || id || ' expired',
             'approvals.grant', id, '{{}}' FROM ended RETURNING *),
el AS ({_ledger(LifecycleEvent, "e")}),
-- the credentials issued under them end with them: revoked, history, an event, reminders
c AS (UPDATE identities_credential c SET status = 'revoked', updated_at = %(now)s,
             revoked_at = %(now)s, revoked_by_id = %(actor)s
        FROM approvals_grantcredential x
       WHERE x.grant_id IN (SELECT id FROM ended) AND c.id = x.credential_id
         AND c.status = 'active' RETURNING c.*, x.grant_id),
ch AS ({_history(Credential, "c", "revoked by Steward: reached its end time")}),
chl AS ({_ledger(historical_credential, "ch")}),
cr AS (UPDATE core_notification SET read_at = %(now)s
        WHERE read_at IS NULL AND subject_type = 'identities.credential'
          AND subject_id IN (SELECT id FROM c)),
ce AS (INSERT INTO identities_lifecycleevent (identity_id, kind, occurred_at, actor_id, summary,
         credential_id, related_type, related_id, details)
       SELECT identity_id, 'credential_revoked', %(now)s, %(actor)s,
              '''' || label || ''' revoked: reached its end time', id, 'approvals.grant',
              grant_id, '{{}}' FROM c RETURNING *),
cel AS ({_ledger(LifecycleEvent, "ce")}),
own AS {_owners(_due_identities("ended"))}
{NOTIFY}
SELECT 'grant_expired', 'approvals.grant', g.id, u.user_id, %(today)s, 'Access has ended', '',
       'You requested it, or own it.', '/approvals/requests/' || g.request_id || '/',
       {NOTIFY_TAIL}
  FROM ended g JOIN approvals_request r ON r.id = g.request_id
  JOIN LATERAL (SELECT r.requester_id AS user_id
                UNION SELECT user_id FROM own WHERE own.identity_id = g.identity_id
                   AND own.role = 'A') u ON true
ON CONFLICT DO NOTHING"""  # noqa: S608
    requests = f"""
WITH ended AS (
  UPDATE approvals_request SET status = 'expired', decided_at = %(now)s
   WHERE status = 'pending' AND expires_at <= %(now)s RETURNING *),
h AS ({_history(Request, "ended", "expired without a decision")}),
hl AS ({_ledger(Request.history.model, "h")})
{NOTIFY}
SELECT 'request_expired', 'approvals.request', id, requester_id, expires_at::date,
       'Your request expired', '', 'You made this request.',
       '/approvals/requests/' || id || '/', {NOTIFY_TAIL}
  FROM ended ON CONFLICT DO NOTHING"""  # noqa: S608
    return [credentials, grants, requests]


def decommission_writes() -> list[str]:
    from identities.models import Identity, LifecycleEvent

    ended = """SELECT id, name, ends_on FROM identities_identity
                WHERE status IN ('active', 'suspended') AND ends_on < %(today)s"""
    unused = """SELECT id, name, COALESCE(last_used_at, created_at)::date AS since
                  FROM identities_identity WHERE status = 'active'
                   AND COALESCE(last_used_at, created_at) < %(unused_before)s"""
    due = f"(SELECT * FROM identities_identity WHERE id IN (SELECT id FROM ({ended}) e "  # noqa: S608
    due += f"UNION SELECT id FROM ({unused}) u))"  # noqa: S608
    accountable = f"""(SELECT * FROM {_owners(due)} o WHERE o.role = 'A')"""  # noqa: S608
    reminders = f"""
WITH own AS {accountable}
{NOTIFY}
SELECT 'decommission_due', 'identities.identity', e.id, o.user_id, e.ends_on,
       e.name || ' passed its end date', '', 'You are the A.', '/identities/' || e.id || '/',
       {NOTIFY_TAIL}
  FROM ({ended}) e JOIN own o ON o.identity_id = e.id
UNION ALL
SELECT 'unused', 'identities.identity', x.id, o.user_id, x.since + %(unused_days)s,
       x.name || ' has not been used', '', 'You are the A.', '/identities/' || x.id || '/',
       {NOTIFY_TAIL}
  FROM ({unused}) x JOIN own o ON o.identity_id = x.id
ON CONFLICT DO NOTHING"""  # noqa: S608
    suspend = f"""
WITH changed AS (
  UPDATE identities_identity SET status = 'suspended', updated_at = %(now)s
   WHERE status = 'active' AND ends_on < %(suspend_before)s RETURNING *),
h AS ({_history(Identity, "changed", "suspended by Steward")}),
hl AS ({_ledger(Identity.history.model, "h")}),
e AS (INSERT INTO identities_lifecycleevent (identity_id, kind, occurred_at, actor_id, summary,
        related_type, details)
      SELECT id, 'suspended', %(now)s, %(actor)s, 'Active → Suspended', '',
             '{{"from": "active", "to": "suspended"}}' FROM changed RETURNING *),
el AS ({_ledger(LifecycleEvent, "e")}),
own AS {_owners("(SELECT * FROM identities_identity WHERE id IN (SELECT id FROM changed))")}
{NOTIFY}
SELECT 'suspended', 'identities.identity', c.id, o.user_id, c.ends_on,
       c.name || ' was suspended', '', 'You are the A.', '/identities/' || c.id || '/',
       {NOTIFY_TAIL}
  FROM changed c JOIN own o ON o.identity_id = c.id AND o.role = 'A'
ON CONFLICT DO NOTHING"""  # noqa: S608
    return [reminders, suspend]


ESCALATION_WRITES = f"""
WITH gaps AS ({GAPS}),
admins AS (SELECT u.id FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id
             JOIN auth_group g ON g.id = ug.group_id WHERE g.name = 'admins' AND u.is_active),
global_a AS (SELECT d.key, a.assignee_user_id AS user_id FROM governance_assignment a
               JOIN governance_controldomain d ON d.id = a.domain_id
               JOIN auth_user u ON u.id = a.assignee_user_id AND u.is_active
              WHERE a.scope_kind = 'global' AND a.role = 'A'),
targets AS (SELECT g.id, g.key, COALESCE(ga.user_id, ad.id) AS user_id
              FROM gaps g(id, key, reason) LEFT JOIN global_a ga ON ga.key = g.key
              LEFT JOIN admins ad ON ga.user_id IS NULL)
{NOTIFY}
SELECT 'gap_escalated:' || t.key, 'identities.identity', t.id, t.user_id,
       date_trunc('week', %(now)s)::date, 'Ownership gap: ' || i.name, '',
       'You are the next accountable owner up.', '/ownership/gaps/', {NOTIFY_TAIL}
  FROM targets t JOIN identities_identity i ON i.id = t.id
UNION ALL
SELECT 'review_overdue', 'approvals.grant', g.id, COALESCE(ga.user_id, ad.id),
       g.review_due_at::date, 'Post-incident review overdue', '', 'You are the A.',
       '/approvals/requests/' || g.request_id || '/', {NOTIFY_TAIL}
  FROM approvals_grant g LEFT JOIN global_a ga ON ga.key = 'exceptions'
  LEFT JOIN admins ad ON ga.user_id IS NULL
 WHERE g.review_due_at <= %(now)s AND g.reviewed_at IS NULL
ON CONFLICT DO NOTHING
"""  # noqa: S608


def sweep_writes() -> dict[str, list[str]]:
    """{sweep: its statements}: the same writes each sweep makes, by hand."""
    return {
        "rotation": [ROTATION_WRITES],
        "expiry": expiry_writes(),
        "decommission": decommission_writes(),
        "escalation": [ESCALATION_WRITES],
    }
