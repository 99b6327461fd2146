"""`/api/v1/identities/`: identities' list, and registering an identity (POST) — the
onboarding flow, which approvals owns (it registers the pending identity through identities'
service and opens its onboarding request). Mounted by approvals' API urls."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from identities.api import serializers as s
from identities.api.views import IdentityListView, errors, require_onboarding_role

from ..services import onboarding_submit


@extend_schema_view(
    get=extend_schema(
        tags=["identities"],
        summary="List identities in your scope",
        responses={200: s.IdentityOutputSerializer(many=True), **errors(400, 401, 404)},
    ),
    post=extend_schema(
        tags=["identities"],
        summary="Register an identity (starts pending)",
        request=s.IdentityCreateInputSerializer,
        responses={201: s.IdentityCreatedSerializer, **errors(400, 401, 403)},
    ),
)
class IdentityListOnboardView(IdentityListView):
    def post(self, request):
        require_onboarding_role(request.user)
        data = self.validated(s.IdentityCreateInputSerializer)
        onboarding = onboarding_submit(actor=request.user, data=data, source="api")
        out = s.IdentityCreatedSerializer(
            onboarding.identity,
            context={"request": request, "onboarding_request": onboarding},
        )
        return Response(out.data, status=201)
