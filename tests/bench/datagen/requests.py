"""Requests of every kind and status with their policy evaluations, decisions, grants (some
outliving their end, some emergency grants never reviewed) and grant credentials."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection

from ..copying import as_json, copy_rows, next_id, reset_sequence
from ..runtime_bench import GATED_SCOPE
from .context import WORDS, Generation
from .directory import Directory
from .identities import Drawn

REQUEST_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "kind",
    "identity_id",
    "requester_id",
    "status",
    "justification",
    "excepted_policy",
    "scope",
    "compensating_controls",
    "access_requested",
    "incident_reference",
    "scopes",
    "requested_start",
    "requested_end",
    "approvals_required",
    "renews_id",
    "expires_at",
    "decided_at",
]
EVALUATION_COLUMNS = [
    "request_id",
    "policy_id",
    "policy_version",
    "policy_snapshot",
    "inputs",
    "outcome",
    "reasons",
    "evaluated_at",
]
DECISION_COLUMNS = [
    "request_id",
    "decider_id",
    "outcome",
    "comment",
    "entitled_as",
    "granted_start",
    "granted_end",
    "decided_at",
]
GRANT_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "request_id",
    "identity_id",
    "kind",
    "status",
    "starts_at",
    "expires_at",
    "ended_at",
    "ended_by_id",
    "end_reason",
    "review_due_at",
    "reviewed_at",
    "reviewed_by_id",
    "review_notes",
]


@dataclass
class Approvals:
    """The rows collected for one run, in the order they are generated."""

    gen: Generation
    directory: Directory
    drawn: dict[int, Drawn]
    credentials_of: dict[int, list[int]]  # identity -> active credential ids not yet linked
    system_user_id: int
    policies: dict = field(default_factory=dict)
    requests: list[tuple] = field(default_factory=list)
    evaluations: list[tuple] = field(default_factory=list)
    decisions: list[tuple] = field(default_factory=list)
    grants: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)


def _kind_and_status(rng) -> tuple[str, str]:
    r = rng.random()
    kind = "onboarding" if r < 0.6 else "exception" if r < 0.9 else "emergency"
    r = rng.random()
    if r < 0.70:
        status = "approved"
    elif r < 0.78:
        status = "rejected"
    elif r < 0.90:
        status = "pending" if kind != "emergency" else "approved"
    else:
        status = "expired" if r < 0.95 else "cancelled"
    return kind, status


def _request(a: Approvals, rid: int, n: int, i: int) -> dict:
    gen, d, rng = a.gen, a.directory, a.gen.rng
    kind, status = _kind_and_status(rng)
    policy = a.policies[kind]
    created = gen.ago(0, 12) if status == "pending" else gen.ago(1, 700)
    requester = rng.choice(d.members[a.drawn[i].team] or d.people)
    decided = None
    if status in ("approved", "rejected"):
        decided = created + dt.timedelta(hours=rng.uniform(0.1, 48))
    return {
        "id": rid,
        "created_at": created,
        "updated_at": decided or created,
        "kind": kind,
        "identity_id": i,
        "requester_id": requester,
        "status": status,
        "justification": f"Needed for {WORDS[n % len(WORDS)]} work, ticket OPS-{n}",
        "excepted_policy": "mfa-required" if kind == "exception" else "",
        "scope": "",
        "compensating_controls": "IP allow-list" if kind == "exception" else "",
        "access_requested": "prod db read" if kind == "emergency" else "",
        "incident_reference": f"INC-{n}" if kind == "emergency" else "",
        # every other exception covers the runtime scope figure 7 asks for under a grant
        "scopes": as_json([GATED_SCOPE] if kind == "exception" and n % 2 == 0 else []),
        "requested_start": created,
        "requested_end": created + dt.timedelta(hours=policy.default_duration_hours),
        "approvals_required": 1,
        "renews_id": None,
        "expires_at": created + dt.timedelta(hours=policy.pending_expiry_hours),
        "decided_at": decided,
    }


def _evaluation(a: Approvals, req: dict) -> tuple:
    kind, policy = req["kind"], a.policies[req["kind"]]
    owners = {
        "accountable": a.directory.usernames[a.gen.rng.choice(a.directory.people)],
        "accountable_source": f"team {a.directory.team_slug[a.drawn[req['identity_id']].team]}",
        "domain": policy.approver_domain.key,
    }
    outcome = "active_at_once" if kind == "emergency" else "needs_approval"
    inputs = as_json({"effective_owners": owners})
    snapshot = as_json({"kind": kind})
    return (
        req["id"], policy.pk, policy.version, snapshot, inputs, outcome, "[]", req["created_at"]
    )  # fmt: skip


def _decision(a: Approvals, req: dict) -> tuple:
    approved = req["status"] == "approved"
    decider = a.gen.rng.choice(a.directory.people)
    if decider == req["requester_id"]:
        decider = a.directory.named["bench-owner"]
    values = {
        "request_id": req["id"],
        "decider_id": decider,
        "outcome": "approve" if approved else "reject",
        "comment": "ok" if approved else "not justified",
        "entitled_as": f"A of {a.policies[req['kind']].approver_domain.key} (team)",
        "granted_start": None,
        "granted_end": None,
        "decided_at": req["decided_at"],
    }
    return tuple(values[c] for c in DECISION_COLUMNS)


def _ending(a: Approvals, end: dt.datetime) -> tuple:
    """(status, ended_at, ended_by, reason) of a grant ending at `end`."""
    rng = a.gen.rng
    if end <= a.gen.now:
        if rng.random() < 0.03:  # outlived its end: the expiry sweep ends it
            return "active", None, None, ""
        return "expired", end, a.system_user_id, "reached its end"
    if rng.random() < 0.05:
        return "revoked", a.gen.ago(0, 1), a.directory.admin, "no longer needed"
    return "active", None, None, ""


def _grant(a: Approvals, gid: int, req: dict) -> dict:
    kind, policy = req["kind"], a.policies[req["kind"]]
    start = req["decided_at"] if kind != "emergency" else req["created_at"]
    end = start + dt.timedelta(hours=policy.default_duration_hours)
    status, ended_at, ended_by, reason = _ending(a, end)
    review_due = reviewed = reviewer = None
    if kind == "emergency":
        review_due = start + dt.timedelta(hours=24)
        if a.gen.rng.random() < 0.95:
            reviewed, reviewer = review_due - dt.timedelta(hours=2), a.directory.admin
    return {
        "id": gid,
        "created_at": start,
        "updated_at": ended_at or start,
        "request_id": req["id"],
        "identity_id": req["identity_id"],
        "kind": kind,
        "status": status,
        "starts_at": start,
        "expires_at": end,
        "ended_at": ended_at,
        "ended_by_id": ended_by,
        "end_reason": reason,
        "review_due_at": review_due,
        "reviewed_at": reviewed,
        "reviewed_by_id": reviewer,
        "review_notes": "fine" if reviewed else "",
    }


def _collect(a: Approvals) -> None:
    from approvals.models import Grant, Request

    gen, rng = a.gen, a.gen.rng
    governed = [i for i, x in a.drawn.items() if x.status in ("active", "suspended", "pending")]
    rid0, gid = next_id(Request), next_id(Grant)
    for n in range(gen.scale.requests):
        req = _request(a, rid0 + n, n, rng.choice(governed))
        a.requests.append(tuple(req[c] for c in REQUEST_COLUMNS))
        requester, status, i = req["requester_id"], req["status"], req["identity_id"]
        reason = f"submitted by {a.directory.usernames[requester]}"
        gen.history.add(Request, req, req["created_at"], "+", requester, reason)
        if status != "pending":
            when = req["decided_at"] or req["expires_at"]
            gen.history.add(Request, req, when, "~", requester, f"{status}")
        a.evaluations.append(_evaluation(a, req))
        if status in ("approved", "rejected") and req["kind"] != "emergency":
            a.decisions.append(_decision(a, req))
        if status != "approved":
            continue
        grant = _grant(a, gid, req)
        a.grants.append(tuple(grant[c] for c in GRANT_COLUMNS))
        gen.history.add(Grant, grant, grant["starts_at"], "+", requester, "granted")
        if grant["ended_at"]:
            ended, by, why = grant["ended_at"], grant["ended_by_id"], grant["end_reason"]
            gen.history.add(Grant, grant, ended, "~", by, why)
        if a.credentials_of.get(i) and rng.random() < 0.3:
            a.links.append((gid, a.credentials_of[i].pop(), grant["starts_at"]))
        gid += 1


def generate_approvals(a: Approvals) -> None:
    from approvals.models import (
        ApprovalPolicy,
        Decision,
        Grant,
        GrantCredential,
        PolicyEvaluation,
        Request,
    )

    gen = a.gen
    a.policies = {p.kind: p for p in ApprovalPolicy.objects.select_related("approver_domain")}
    _collect(a)
    gen.step("requests", copy_rows(Request, REQUEST_COLUMNS, a.requests))
    reset_sequence(Request)
    gen.step("policy evaluations", copy_rows(PolicyEvaluation, EVALUATION_COLUMNS, a.evaluations))
    gen.step("decisions", copy_rows(Decision, DECISION_COLUMNS, a.decisions))
    gen.step("grants", copy_rows(Grant, GRANT_COLUMNS, a.grants))
    reset_sequence(Grant)
    link_columns = ["grant_id", "credential_id", "linked_at"]
    gen.step("grant credentials", copy_rows(GrantCredential, link_columns, a.links))
    # decisions' history from the rows as stored (their ids came from the table)
    with connection.cursor() as c:
        c.execute(f"SELECT {', '.join(DECISION_COLUMNS)}, id FROM approvals_decision")  # noqa: S608
        for row in c.fetchall():
            values = dict(zip([*DECISION_COLUMNS, "id"], row, strict=True))
            gen.history.add(
                Decision, values, values["decided_at"], "+", values["decider_id"], "decided"
            )
