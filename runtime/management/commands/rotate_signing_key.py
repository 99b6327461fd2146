"""Add a new token signing key; the old ones stay published until their last token expires."""

from django.core.management.base import BaseCommand

from runtime import keys


class Command(BaseCommand):
    help = "Rotate Steward's token signing key (old keys stay published while their tokens live)."

    def handle(self, *args, **options):
        new, dropped = keys.rotate()
        self.stdout.write(self.style.SUCCESS(f"New signing key {new.kid} in {keys.keys_path()}."))
        for kid in dropped:
            self.stdout.write(f"Dropped retired key {kid}: every token it signed has expired.")
