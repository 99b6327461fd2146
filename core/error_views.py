"""Error pages: styled HTML for people, JSON for the API, in every mode.

Django shows its technical 404 page while DEBUG is on (`make run`); `ErrorPageMiddleware`
answers with the styled page instead, so a developer sees what a user would. 500 keeps the
debug page in development (a traceback is what a developer needs) and renders 500.html
without a request context in production: no database, no context processors.
"""

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

TITLES = {
    403: "You do not have access to this page",
    404: "Page not found",
    500: "Something went wrong on our side",
}


def _wants_json(request) -> bool:
    return request.path_info.startswith("/api/")


def _json(status: int) -> JsonResponse:
    # The API's one error body (core.api's exception handler answers {"detail": ...}).
    return JsonResponse({"detail": TITLES[status]}, status=status)


# What an htmx swap shows in place of a panel or form it could not load (no whole page).
FRAGMENTS = {
    403: "You do not have access to this.",
    404: "Not found, or outside what your role can see.",
}


def _page(request, template: str, status: int, exception=None) -> HttpResponse:
    if _wants_json(request):
        return _json(status)
    if getattr(request, "htmx", False):
        return HttpResponse(
            f'<p class="errors" role="alert">{FRAGMENTS[status]}</p>', status=status
        )
    body = loader.render_to_string(
        template, {"status": status, "title": TITLES[status]}, request=request
    )
    return HttpResponse(body, status=status)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(request, "404.html", 404, exception)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _page(request, "403.html", 403, exception)


@requires_csrf_token
def server_error(request):
    if _wants_json(request):
        return _json(500)
    # No request: no context processors, so no query can fail a second time.
    body = loader.get_template("500.html").render({"status": 500, "title": TITLES[500]})
    return HttpResponse(body, status=500)


class ErrorPageMiddleware:
    """With DEBUG on, answer a 404 with the styled page instead of Django's technical one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and response.get("Content-Type", "").startswith("text/html")
        ):
            # No URL matched: the resolver's 404 never reaches process_exception.
            return page_not_found(request)
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
