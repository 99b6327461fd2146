"""Import API: the same upload → preview → apply (or cancel) as the pages, for scripts and CI.

    POST /api/v1/imports/                multipart: format, file, team, platform, ... → 201
    GET  /api/v1/imports/<id>/           the job: status, counts, errors (poll while running)
    POST /api/v1/imports/<id>/apply/     apply a ready, clean job (all or nothing)
    POST /api/v1/imports/<id>/cancel/    drop a job that will not be applied

Thin: every rule is in `importers.services`. A file that cannot be read, or that carries a
secret value, is a 400 naming why and creates nothing; a request above the size cap is a 400
before its body is read (core/uploads.py).
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.reverse import reverse

from core.uploads import request_too_large

from ..api.serializers import StrictInputSerializer
from ..api.views import ScopedAPIView, errors
from ..choices import Environment, RiskTier
from ..models import ImportFormat, ImportJob, Platform, Team
from ..selectors import onboarding_teams, platform_scope
from .files import TOO_LARGE, decode_upload
from .services import (
    can_import,
    import_job_cancel,
    import_job_create,
    import_job_get,
    import_job_list,
    import_job_start_apply,
)


class ImportUploadInputSerializer(StrictInputSerializer):
    format = serializers.ChoiceField(choices=ImportFormat.choices)
    file = serializers.FileField(help_text="UTF-8 CSV or JSON, up to 10 MB. No secret values.")
    # Scoped to the caller in __init__ (the page's form offers the same choices).
    team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.none(), required=False, allow_null=True
    )
    platform = serializers.SlugRelatedField(
        slug_field="slug", queryset=Platform.objects.none(), required=False, allow_null=True
    )
    environment = serializers.ChoiceField(
        choices=Environment.choices, default=Environment.PRODUCTION
    )
    risk_tier = serializers.ChoiceField(choices=RiskTier.choices, default=RiskTier.MEDIUM)
    include_default = serializers.BooleanField(default=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request else None
        self.fields["team"].queryset = onboarding_teams(user) if user else Team.objects.none()
        self.fields["platform"].queryset = platform_scope(user) if user else Platform.objects.none()

    def validate_file(self, upload):
        return upload.name, decode_upload(upload.read())


class ImportJobOutputSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    platform = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "format",
            "status",
            "filename",
            "team",
            "platform",
            "total",
            "processed",
            "counts",
            "errors",
            "message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_url(self, job) -> str:
        return reverse("api-import-detail", args=[job.pk], request=self.context.get("request"))


def _require_import_role(user) -> None:
    if not can_import(user):
        raise PermissionDenied("Only admins and engineers import identities.")


@extend_schema_view(
    get=extend_schema(
        tags=["imports"],
        summary="Your import jobs (admins: all)",
        responses={200: ImportJobOutputSerializer(many=True), **errors(400, 401, 403, 404)},
    ),
    post=extend_schema(
        tags=["imports"],
        summary="Upload a file and plan it (the preview); nothing is written yet",
        request={"multipart/form-data": ImportUploadInputSerializer},
        responses={201: ImportJobOutputSerializer, **errors(400, 401, 403)},
    ),
)
class ImportJobListCreateView(ScopedAPIView, generics.ListAPIView):
    serializer_class = ImportJobOutputSerializer
    parser_classes = [MultiPartParser, FormParser]
    ordering_fields = ["created_at", "status", "format"]

    def get_queryset(self):
        if self.is_schema:
            return ImportJob.objects.none()
        _require_import_role(self.request.user)
        return import_job_list(user=self.request.user)

    def post(self, request):
        _require_import_role(request.user)
        if request_too_large(request):  # the body was not read: say why, not "no file"
            raise ValidationError({"file": [TOO_LARGE]})
        data = self.validated(ImportUploadInputSerializer)
        filename, content = data["file"]
        job = import_job_create(
            actor=request.user,
            format=data["format"],
            content=content,
            filename=filename,
            team=data.get("team"),
            platform=data.get("platform"),
            options={
                "environment": data["environment"],
                "risk_tier": data["risk_tier"],
                "include_default": data["include_default"],
            },
        )
        return self.output(ImportJobOutputSerializer, job, status_code=201)


@extend_schema(
    tags=["imports"],
    summary="An import job",
    responses={200: ImportJobOutputSerializer, **errors(401, 403, 404)},
)
class ImportJobDetailView(ScopedAPIView):
    serializer_class = ImportJobOutputSerializer

    def get(self, request, pk: int):
        _require_import_role(request.user)
        return self.output(ImportJobOutputSerializer, import_job_get(user=request.user, pk=pk))


class _ImportJobActionView(ScopedAPIView):
    serializer_class = ImportJobOutputSerializer
    parser_classes = [JSONParser, FormParser]
    run_service = staticmethod(import_job_start_apply)

    def post(self, request, pk: int):
        _require_import_role(request.user)
        job = import_job_get(user=request.user, pk=pk)
        self.run_service(actor=request.user, job=job)
        job.refresh_from_db()
        return self.output(ImportJobOutputSerializer, job)


@extend_schema(
    tags=["imports"],
    summary="Apply a ready job without errors: all or nothing (large files in a worker)",
    request=None,
    responses={200: ImportJobOutputSerializer, **errors(400, 401, 403, 404)},
)
class ImportJobApplyView(_ImportJobActionView):
    run_service = staticmethod(import_job_start_apply)


@extend_schema(
    tags=["imports"],
    summary="Cancel a job that has not been applied; its file is discarded",
    request=None,
    responses={200: ImportJobOutputSerializer, **errors(400, 401, 403, 404)},
)
class ImportJobCancelView(_ImportJobActionView):
    run_service = staticmethod(import_job_cancel)
