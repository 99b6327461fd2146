from django.contrib import admin
from django.db import models

from .models import ApiToken, Notification, Webhook, WebhookDelivery
from .webhooks import webhook_key, webhook_rotate_key


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "active", "key_version", "created_at")
    readonly_fields = (
        "signing_key",
        "key_version",
        "previous_key_until",
        "created_by",
        "created_at",
    )
    actions = ("rotate_key",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="HMAC signing key (derived; configure your receiver with it)")
    def signing_key(self, obj):
        return webhook_key(obj) if obj.pk else "shown after saving"

    @admin.action(description="Rotate the signing key (the old key also signs for 24 hours)")
    def rotate_key(self, request, queryset):
        for hook in queryset:
            webhook_rotate_key(webhook_id=hook.pk, actor=request.user)
        self.message_user(request, f"Rotated {queryset.count()} signing key(s).")

    def save_model(self, request, obj, form, change):
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("webhook", "notification", "status", "attempts", "next_attempt_at")
    list_filter = ("status",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "due_on", "email_status", "read_at")
    list_filter = ("kind", "email_status")
    search_fields = ("title", "recipient__username")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are minted on the profile page (the raw token is shown once). Here an admin may
    rename, shorten or revoke one; the expiry stays within `ApiToken.MAX_DAYS` of creation
    (the model refuses more, so the form shows the error)."""

    list_display = ("name", "user", "key_prefix", "created_at", "expires_at", "revoked_at")
    fields = ("name", "user", "key_prefix", "created_at", "expires_at", "last_used_at",
              "revoked_at")  # fmt: skip
    readonly_fields = ("user", "key_prefix", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False
