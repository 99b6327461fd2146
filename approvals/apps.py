from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from identities.signals import credential_recorded

        credential_recorded.connect(
            _link_to_grant, dispatch_uid="approvals.link_credential_to_onboarding_grant"
        )


def _link_to_grant(sender, credential, **kwargs):
    """Plumbing: a credential was recorded; link it to the onboarding grant it was issued
    under (the rule is `grants.credential_link_to_onboarding_grant`)."""
    from .grants import credential_link_to_onboarding_grant

    credential_link_to_onboarding_grant(credential=credential)
