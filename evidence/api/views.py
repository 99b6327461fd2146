"""API v1 for evidence: read-only (auditors and admins) but "verify now", thin callers of
selectors."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.roles import can_read_all

from ..checks import posture
from ..exports import EXPORTS
from ..forms import EvidenceFilterForm
from ..verification import chain_status, request_verification

MAX_ROWS = 500


class Reader(permissions.BasePermission):
    """Admins and auditors."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and can_read_all(request.user))


class EvidenceReader(Reader):
    """Admins and auditors read; nobody writes through the evidence API (but "verify now",
    which changes no record: `ChainVerifyAPIView`)."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.method in permissions.SAFE_METHODS


class _Base(APIView):
    permission_classes = [EvidenceReader]

    def filters(self, request) -> dict:
        form = EvidenceFilterForm(request.query_params or None)
        if request.query_params and not form.is_valid():
            raise ValidationError(form.errors)
        return form.filters() if form.is_bound else {}


class ChainAPIView(_Base):
    """The audit ledger's last verification (`checked_at`; `ok` null before the first), and
    `requested_at` while one asked for is running."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if "refresh" in request.query_params:
            # a GET verifies nothing: a verification takes a minute at a million entries
            raise ValidationError({"refresh": ["POST /api/v1/evidence/chain/verify/ instead."]})
        return Response(chain_status())


class ChainVerifyAPIView(APIView):
    """Ask a worker to verify the ledger now: 202 with the status (`requested_at` set);
    a verification asked for earlier and still running is not asked for twice."""

    permission_classes = [Reader]

    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        request_verification()
        return Response(chain_status(), status=status.HTTP_202_ACCEPTED)


class PostureAPIView(_Base):
    """One row per framework control, with the live checks that evidence it."""

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request):
        return Response([c.as_row() for c in posture(filters=self.filters(request))])


class AccessEvidenceAPIView(_Base):
    """Access evidence rows for the filters (`?offset=`; at most 500 per call — use the
    streamed exports for more)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        try:
            offset = max(int(request.query_params.get("offset", 0)), 0)
        except ValueError:
            offset = 0
        window = (offset, offset + MAX_ROWS + 1)  # one more: is there a next call
        rows = list(EXPORTS["access"].rows(self.filters(request), request.user, window=window))
        nxt = offset + MAX_ROWS if len(rows) > MAX_ROWS else None
        return Response({"offset": offset, "next_offset": nxt, "results": rows[:MAX_ROWS]})
