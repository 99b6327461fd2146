"""Filter values are checked once, for every API list: a value a list's FilterSet refuses
(`?identity=abc`, `?status=bogus`) is a 400 naming the parameter, never a silently unfiltered
list. Generic views get this from `StrictFilterBackend` (the default backend); APIViews that
hand the query to a selector declare `filterset_class` and inherit `FilteredAPIView`."""

from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from .parsers import unstorable


def check_filters(request, filterset_class) -> None:
    """Raise DRF's ValidationError ({parameter: [why]}) if a filter value is invalid."""
    refuse_unstorable(request)
    model = filterset_class._meta.model
    filterset = filterset_class(
        request.query_params, queryset=model._default_manager.none(), request=request
    )
    if not filterset.is_valid():
        raise utils.translate_validation(filterset.errors)


def refuse_unstorable(request) -> None:
    """A query value PostgreSQL cannot compare (a NUL, an unpaired surrogate) is a 400."""
    bad = sorted(k for k, values in request.query_params.lists() if unstorable([k, *values]))
    if bad:
        raise ValidationError(
            dict.fromkeys(bad, "May not contain NUL characters or unpaired surrogates.")
        )


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, which already raises on an invalid filterset: named here so
    every list states the rule once (settings' DEFAULT_FILTER_BACKENDS)."""

    raise_exception = True

    def filter_queryset(self, request, queryset, view):
        refuse_unstorable(request)
        return super().filter_queryset(request, queryset, view)


class FilteredAPIView(APIView):
    """An APIView whose GET takes `filterset_class`'s query parameters, checked before the
    handler runs (the handler passes them to a selector, which applies the same FilterSet)."""

    filterset_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "GET" and self.filterset_class is not None:
            check_filters(request, self.filterset_class)
