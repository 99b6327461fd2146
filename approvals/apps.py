from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import notification_kinds
        from core.metrics import register_gauges
        from identities.signals import credential_recorded

        from .choices import NotificationKind

        register_gauges("approvals", _gauges)
        notification_kinds.register(NotificationKind)
        credential_recorded.connect(
            _link_to_grant, dispatch_uid="approvals.link_credential_to_onboarding_grant"
        )


def _gauges() -> dict:
    """Scrape-time gauges (core.metrics): two counts, two queries."""
    from django.db.models import DurationField, ExpressionWrapper, F, Value
    from django.utils import timezone

    from .choices import GrantStatus, RequestKind, RequestStatus
    from .models import Grant, Request

    now = timezone.now()
    # Past half its life: the time left is no more than the time already waited.
    stale = (
        Request.objects.filter(status=RequestStatus.PENDING, expires_at__gt=now)
        .alias(
            left=ExpressionWrapper(F("expires_at") - Value(now), output_field=DurationField()),
            waited=ExpressionWrapper(Value(now) - F("created_at"), output_field=DurationField()),
        )
        .filter(left__lte=F("waited"))
        .count()
    )
    break_glass = Grant.objects.filter(
        kind=RequestKind.EMERGENCY,
        status=GrantStatus.ACTIVE,
        starts_at__lte=now,
        expires_at__gt=now,
    ).count()
    return {
        "requests_pending_past_half_expiry": (
            "Pending requests that have waited more than half their time to expiry.",
            stale,
        ),
        "break_glass_grants_active": ("Break-glass (emergency) grants active now.", break_glass),
    }


def _link_to_grant(sender, credential, **kwargs):
    """Plumbing: a credential was recorded; link it to the onboarding grant it was issued
    under (the rule is `grants.credential_link_to_onboarding_grant`)."""
    from .grants import credential_link_to_onboarding_grant

    credential_link_to_onboarding_grant(credential=credential)
