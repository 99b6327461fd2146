"""Preview (and with --apply, apply) an import file from the shell.

    manage.py import_identities --format aws --team payments --platform aws-prod report.csv
    manage.py import_identities --format k8s --team platform --platform eks-prod sa.json --apply

Acts as `--actor USERNAME` (an admin or an engineer of the team), or by default as the
Steward system user. Shell access to the server already means full control of Steward, so
the system actor runs with admin rights for this command only (not saved); the history and
timeline name it.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.history import history_actor
from core.system import system_user
from identities.choices import Environment, RiskTier
from identities.importers.apply import apply_import
from identities.importers.base import ImportFileError
from identities.importers.files import MAX_BYTES, decode_upload
from identities.importers.services import import_preview
from identities.models import ImportFormat, Platform, Team


class Command(BaseCommand):
    help = "Preview an identity import file; apply it with --apply (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", required=True, choices=ImportFormat.values)
        parser.add_argument("--team", default="", help="Team slug (required for aws, k8s).")
        parser.add_argument("--platform", default="", help="Platform slug.")
        parser.add_argument("--actor", default="", help="Username to act as.")
        parser.add_argument("--environment", default="production", choices=Environment.values)
        parser.add_argument("--risk-tier", default="medium", choices=RiskTier.values)
        parser.add_argument("--include-default", action="store_true")
        parser.add_argument("--apply", action="store_true", help="Write the changes.")

    def handle(self, *args, **opts):
        actor = self._actor(opts["actor"])
        team = self._get(Team, opts["team"])
        platform = self._get(Platform, opts["platform"])
        try:
            content = decode_upload(self._read(opts["file"]))
        except ImportFileError as exc:
            raise CommandError(f"Cannot read {opts['file']}: {' '.join(exc.messages)}") from exc
        options = {
            "environment": opts["environment"],
            "risk_tier": opts["risk_tier"],
            "include_default": opts["include_default"],
        }
        try:
            plan = import_preview(
                actor=actor,
                format=opts["format"],
                content=content,
                team=team,
                platform=platform,
                options=options,
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        for row in plan.rows:
            line = f"{row.ref:<28} {row.action:<9} {row.external_id}"
            if row.changes:
                line += "  changes: " + ", ".join(sorted(row.changes))
            creds = [f"{c['key_id']}:{c['action']}" for c in row.credentials]
            if creds:
                line += "  credentials: " + ", ".join(creds)
            self.stdout.write(line)
            for message in row.errors:
                self.stdout.write(f"    error: {message}")
            for message in row.warnings:
                self.stdout.write(f"    warning: {message}")
        counts = plan.counts
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
        if plan.has_errors:
            raise CommandError(f"{counts['error']} row(s) have errors; nothing was written.")
        if not opts["apply"]:
            self.stdout.write("Preview only: run again with --apply to write these changes.")
            return
        try:
            with history_actor(actor):
                written = apply_import(
                    actor=actor, plan=plan, reference=f"file {opts['file'].name}"
                )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Applied: {written['create']} created, {written['update']} updated, "
                f"{written['credentials']} credential change(s)."
            )
        )

    def _read(self, path: Path) -> bytes:
        """The file's bytes, up to the import size limit (a larger file is not read whole)."""
        try:
            with path.open("rb") as handle:
                return handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc

    def _actor(self, username: str):
        if username:
            try:
                return get_user_model().objects.get(username=username, is_active=True)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No active user {username!r}.") from None
        actor = system_user()
        actor.is_superuser = True  # this command only, never saved: see the module docstring
        return actor

    def _get(self, model, slug: str):
        if not slug:
            return None
        try:
            return model.objects.get(slug=slug)
        except model.DoesNotExist:
            raise CommandError(f"No {model._meta.verbose_name} with slug {slug!r}.") from None
