"""API v1 for people: who am I (`me/`) and a user lookup (`users/?username=`), so RACI
changes can be scripted without database access; and the JSON 404 for unknown API paths."""

import django_filters
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils.module_loading import import_string
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from core.roles import can_read_all, group_names, is_engineer

from .filters import StrictFilterBackend

ERROR = OpenApiResponse(description="Not signed in, or not allowed (role).")


def validated(request, serializer_class, instance=None, **kwargs) -> dict:
    """The request's body checked by an input serializer; a 400 with its errors otherwise."""
    serializer = serializer_class(instance, data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name", "is_active"]
        read_only_fields = fields


class MeSerializer(UserSerializer):
    email = serializers.EmailField(read_only=True)
    role = serializers.SerializerMethodField()
    groups = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "email", "role", "groups"]
        read_only_fields = fields

    def get_role(self, obj) -> str:
        # The top bar's badge: owners come from the RACI matrix (governance), not from groups.
        return import_string(settings.STEWARD_ROLE_LABEL)(obj)

    def get_groups(self, obj) -> list[str]:
        return sorted(group_names(obj))


class MeAPIView(APIView):
    """The signed-in person (or the owner of the API token)."""

    @extend_schema(tags=["people"], responses={200: MeSerializer, 401: ERROR, 403: ERROR})
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class CanLookUpPeople(permissions.BasePermission):
    """Admins, auditors and engineers (who read the RACI matrix) look people up."""

    message = "Only admins, auditors and engineers look people up."

    def has_permission(self, request, view):
        return can_read_all(request.user) or is_engineer(request.user)


class UserFilterSet(django_filters.FilterSet):
    username = django_filters.CharFilter(field_name="username", lookup_expr="iexact")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = get_user_model()
        fields: list[str] = []


@extend_schema(tags=["people"], responses={200: UserSerializer(many=True), 401: ERROR, 403: ERROR})
class UserListAPIView(generics.ListAPIView):
    """People by username (exact, case-insensitive): the id the RACI matrix API takes."""

    permission_classes = [permissions.IsAuthenticated, CanLookUpPeople]
    serializer_class = UserSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = UserFilterSet

    def get_queryset(self):
        return get_user_model().objects.order_by("username", "id")


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def api_not_found(request, *args, **kwargs):
    """Any path under /api/ that no route serves: a JSON 404, not the HTML page (after the
    usual authentication: an anonymous caller learns nothing about which paths exist). A
    GET missing only its trailing slash is redirected, as Django's APPEND_SLASH would."""
    path = request.path_info
    if request.method in ("GET", "HEAD") and not path.endswith("/"):
        try:
            match = resolve(path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(path + "/" + (f"?{query}" if query else ""))
    raise NotFound("No such API endpoint.")
