"""Session limits: an idle timeout and an absolute lifetime, both enforced on the server.

Django's SESSION_COOKIE_AGE only bounds the cookie, and any write to the session pushes it
out again; the two limits here are checked on every request from times kept in the session.
"""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils import timezone

SIGNED_IN_AT = "steward_signed_in_at"
SEEN_AT = "steward_seen_at"
# The last-seen time is written at most this often (a session save per request is waste).
SEEN_RESOLUTION_SECONDS = 30


class SessionLimitsMiddleware:
    # The clock is an attribute so tests inject one instead of sleeping.
    clock = staticmethod(timezone.now)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            expired = self._check(request)
            if expired:
                logout(request)
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"detail": expired}, status=401)
                messages.info(request, expired)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    def _check(self, request) -> str:
        now = self.clock()
        session = request.session
        signed_in = _read(session.get(SIGNED_IN_AT))
        seen = _read(session.get(SEEN_AT))
        if signed_in is None:
            session[SIGNED_IN_AT] = now.isoformat()
            session[SEEN_AT] = now.isoformat()
            return ""
        if now - signed_in > settings.SESSION_ABSOLUTE_LIFETIME:
            return "Your session reached its maximum length; please sign in again."
        if seen is not None and now - seen > settings.SESSION_IDLE_TIMEOUT:
            return "You were signed out after a period of inactivity; please sign in again."
        if seen is None or (now - seen).total_seconds() >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now.isoformat()
        return ""


def _read(value) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def mark_signed_in(sender, request, user, **kwargs):
    """user_logged_in receiver: the absolute lifetime counts from this sign-in."""
    if hasattr(request, "session"):
        now = SessionLimitsMiddleware.clock().isoformat()
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now
