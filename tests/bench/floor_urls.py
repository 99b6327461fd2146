"""Steward's URLs plus one service endpoint that answers the OAuth endpoints' form POST with
a constant JSON body — no JOSE, no SQL. Served by the same gunicorn, through the same stack,
it is the most any endpoint of this shape can answer here: what the OAuth endpoints lose
below it is their own work; what it loses below the in-process loop is HTTP, gunicorn and
Django."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as steward
from core.middleware import service_endpoint

from .runtime_bench import FLOOR_PATH


@service_endpoint
@csrf_exempt
@login_not_required
@require_POST
def constant(request):
    request.POST  # noqa: B018 - the form is parsed, as the OAuth endpoints do
    response = JsonResponse({"active": False})
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [path(FLOOR_PATH.lstrip("/"), constant), *steward]
