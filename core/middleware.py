from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.core.handlers.exception import convert_exception_to_response
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.urls import Resolver404, get_resolver


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a signed-in user unless its view is marked `login_not_required`.

    The API is left to DRF, which answers 401/403 (token or session) instead of a redirect.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def service_endpoint(view):
    """Mark a view served to machines with no cookie (OAuth, discovery): it is answered by
    `ServiceEndpointMiddleware`, without the page middleware. Such a view must never read
    `request.user` or the session, and must be `csrf_exempt` if it accepts POST."""
    view.service_endpoint = True
    return view


class ServiceEndpointMiddleware:
    """Answer `service_endpoint` views past the page middleware: sessions, CSRF, auth, sign-in,
    messages, htmx, history, error pages, session limits and axes serve people with a
    cookie, and cost these endpoints more than their own work. What runs before this one
    (request id, metrics, security headers, CSP) still does; CommonMiddleware and the
    X-Frame-Options header too, so a response is the same as through the full stack.

    Only paths under SERVICE_ENDPOINT_PREFIXES are resolved here (one resolution, reused);
    one that is not a marked view goes through the full stack as before."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.SERVICE_ENDPOINT_PREFIXES)
        inner = convert_exception_to_response(self._view)
        self.lean = convert_exception_to_response(
            CommonMiddleware(convert_exception_to_response(XFrameOptionsMiddleware(inner)))
        )

    def __call__(self, request):
        if request.path_info.startswith(self.prefixes):
            try:
                match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "service_endpoint", False):
                request.resolver_match = match
                return self.lean(request)
        return self.get_response(request)

    @staticmethod
    def _view(request):
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)
