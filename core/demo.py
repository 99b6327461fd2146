"""Demo data for core: one user per role. Apps add their own `demo.py` with a `seed(ctx)`."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .roles import ADMINS, AUDITORS, ENGINEERS

DEMO_PASSWORD = "steward-demo"  # noqa: S105 - demo logins, printed on purpose

DEMO_USERS = [
    # username, first, last, groups, what they show
    ("admin", "Ada", "Admin", [ADMINS], "admin: manages teams, platforms and the RACI matrix"),
    ("owner", "Olu", "Owner", [ENGINEERS], "owner: accountable for identity and exceptions"),
    (
        "engineer",
        "Erin",
        "Engineer",
        [ENGINEERS],
        "engineer: onboards identities in the payments team",
    ),
    ("auditor", "Aki", "Auditor", [AUDITORS], "auditor: reads and exports evidence"),
    ("finance", "Fran", "Finance", [ENGINEERS], "finance: consumption oversight owner"),
]

ORDER = 0


def seed(ctx: dict) -> None:
    User = get_user_model()
    users = {}
    for username, first, last, groups, _ in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(*Group.objects.filter(name__in=groups))
        users[username] = user
    ctx["users"] = users
    ctx["logins"] = [(u, DEMO_PASSWORD, what) for u, *_rest, what in DEMO_USERS]
