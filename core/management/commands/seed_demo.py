"""Idempotent demo data: each installed app's `demo.seed(ctx)`, in the apps' layer order."""

import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create or refresh demo data (safe to run again) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=300, help="About how many identities.")

    def handle(self, *args, size: int, **options):
        ctx: dict = {"size": size, "stdout": self.stdout}
        with transaction.atomic():
            for config in apps.get_app_configs():
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                self.stdout.write(f"Seeding demo data: {config.verbose_name}...")
                self.stdout.flush()
                module.seed(ctx)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with:"))
        for username, password, what in ctx.get("logins", []):
            self.stdout.write(f"  {username:<10} / {password}   ({what})")
