"""The inbox as digests: one row per (kind, object) with a count, filterable by kind."""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Q

from .models import Notification
from .notification_kinds import kind_label


@dataclass
class Digest:
    kind: str
    subject_type: str
    subject_id: int
    count: int
    unread: int
    last_at: object
    due_on: object
    # the newest notification: its title, link and reason (its repr would load the recipient)
    latest: Notification = field(repr=False)

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


def inbox_digests(*, user, show: str = "unread", kind: str = "", page=1, per_page: int = 50):
    """A page of digests, newest activity first: three queries whatever the inbox holds."""
    qs = Notification.objects.filter(recipient=user)
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    groups = (
        qs.values("kind", "subject_type", "subject_id")
        .annotate(
            count=Count("pk"),
            unread=Count("pk", filter=Q(read_at__isnull=True)),
            last_at=Max("created_at"),
            latest_id=Max("pk"),
            due_on=Min("due_on"),
        )
        .order_by("-last_at", "-latest_id")
    )
    page_obj = Paginator(groups, per_page).get_page(page)
    rows = list(page_obj.object_list)
    latest = Notification.objects.in_bulk([r["latest_id"] for r in rows])
    page_obj.object_list = [
        Digest(
            kind=r["kind"],
            subject_type=r["subject_type"],
            subject_id=r["subject_id"],
            count=r["count"],
            unread=r["unread"],
            last_at=r["last_at"],
            due_on=r["due_on"],
            latest=latest[r["latest_id"]],
        )
        for r in rows
    ]
    return page_obj


def inbox_kinds(*, user, show: str = "unread") -> list[tuple[str, str, int]]:
    """(kind, label, how many) in this user's inbox, for the kind filter."""
    qs = Notification.objects.filter(recipient=user)
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    rows = qs.values("kind").annotate(n=Count("pk")).order_by("kind")
    return [(r["kind"], kind_label(r["kind"]), r["n"]) for r in rows]
