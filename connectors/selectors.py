"""Reads for connectors: connector status, open revocations, the state at the source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from core.roles import can_read_all, is_admin
from identities.models import Credential, Identity, Platform

from .choices import OPEN_STATUSES, ConnectorKind, JobStatus, RevocationAction
from .models import PlatformConnector, RevocationJob, SourceCredential, SyncRun
from .planning import ended_credentials


def can_see_connectors(user) -> bool:
    """Platform pages and the revocation queue: admins and auditors (read-only)."""
    return can_read_all(user)


def open_revocations() -> QuerySet[RevocationJob]:
    return RevocationJob.objects.filter(status__in=OPEN_STATUSES)


def open_counts(*, connector: PlatformConnector | None = None) -> dict[str, int]:
    qs = open_revocations()
    if connector is not None:
        qs = qs.filter(connector=connector)
    counts = dict(qs.values_list("status").annotate(n=Count("pk")).order_by())
    return {s: counts.get(s, 0) for s in OPEN_STATUSES}


def platform_list() -> QuerySet[Platform]:
    return Platform.objects.select_related("connector").annotate(
        open_jobs=Count(
            "connector__revocations",
            filter=Q(connector__revocations__status__in=OPEN_STATUSES),
        ),
        failed_jobs=Count(
            "connector__revocations",
            filter=Q(connector__revocations__status=JobStatus.FAILED),
        ),
    )


@dataclass
class ConnectorStatus:
    connector: PlatformConnector
    last_sync: SyncRun | None
    last_ok: SyncRun | None
    next_sync_at: dt.datetime | None
    source_keys: int
    counts: dict[str, int]


def connector_status(connector: PlatformConnector) -> ConnectorStatus:
    runs = connector.syncs.order_by("-started_at", "-id")
    last = runs.first()
    last_ok = runs.filter(ok=True).first()
    interval = dt.timedelta(minutes=connector.sync_interval_minutes)
    next_at = None
    if connector.enabled and connector.kind == ConnectorKind.AWS_IAM:
        next_at = (last.started_at + interval) if last else timezone.now()
    return ConnectorStatus(
        connector=connector,
        last_sync=last,
        last_ok=last_ok,
        next_sync_at=next_at,
        source_keys=connector.source_credentials.count(),
        counts=open_counts(connector=connector),
    )


def platform_get(*, user, pk) -> Platform:
    if not can_see_connectors(user):
        raise Http404
    try:
        return Platform.objects.select_related("connector").get(pk=pk)
    except Platform.DoesNotExist:
        raise Http404 from None


def platform_revocations(*, platform: Platform, open_only: bool = True) -> QuerySet:
    qs = RevocationJob.objects.filter(connector__platform=platform).select_related(
        "credential", "identity"
    )
    return qs.filter(status__in=OPEN_STATUSES) if open_only else qs


def due_syncs(*, now: dt.datetime) -> list[PlatformConnector]:
    """Enabled AWS connectors whose interval has passed since their last sync (one query)."""
    last = SyncRun.objects.filter(connector=OuterRef("pk")).order_by("-started_at")
    qs = PlatformConnector.objects.filter(enabled=True, kind=ConnectorKind.AWS_IAM).annotate(
        last_started=Subquery(last.values("started_at")[:1])
    )
    return [
        c
        for c in qs.select_related("platform")
        if c.last_started is None
        or c.last_started + dt.timedelta(minutes=c.sync_interval_minutes) <= now
    ]


def revocation_for_ack(*, user, pk) -> RevocationJob:
    """Admins, or the platform's own account for its platform's jobs; 404 otherwise."""
    qs = RevocationJob.objects.select_related("connector__platform", "credential", "identity")
    if not is_admin(user):
        qs = qs.filter(connector__ack_user=user)
    try:
        return qs.get(pk=pk)
    except RevocationJob.DoesNotExist:
        raise Http404 from None


# --- the identity page: each credential's state at the source ----------------------------
@dataclass
class SourceRow:
    credential: Credential
    source: SourceCredential | None
    job: RevocationJob | None


def identity_source_state(*, identity: Identity) -> list[SourceRow]:
    creds = list(identity.credentials.order_by("-issued_at", "-id"))
    sources = {
        s.credential_id: s for s in SourceCredential.objects.filter(credential__identity=identity)
    }
    jobs: dict[int, RevocationJob] = {}
    for job in RevocationJob.objects.filter(identity=identity).order_by("created_at", "pk"):
        jobs[job.credential_id] = job  # the latest action (delete after disable) wins
    return [SourceRow(c, sources.get(c.pk), jobs.get(c.pk)) for c in creds]


# --- posture: ended in Steward, still active at the source -------------------------------
def still_active_at_source() -> tuple[int | None, list[int]]:
    """(ended credentials on platforms with a connector, ids of those the platform has not
    confirmed disabled — or that its last read still shows active). None: no connector."""
    if not PlatformConnector.objects.filter(enabled=True).exists():
        return None, []
    ended = ended_credentials().filter(identity__platform__connector__enabled=True)
    confirmed = RevocationJob.objects.filter(
        credential=OuterRef("pk"), action=RevocationAction.DISABLE, status=JobStatus.DONE
    )
    read_active = SourceCredential.objects.filter(credential=OuterRef("pk"), status="Active")
    failing = ended.filter(~Exists(confirmed) | Exists(read_active)).values_list("pk", flat=True)
    return ended.count(), sorted(failing)
