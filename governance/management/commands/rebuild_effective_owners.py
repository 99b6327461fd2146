from django.core.management.base import BaseCommand
from django.db import transaction

from governance.materialise import refresh


class Command(BaseCommand):
    help = "Rebuild the effective owners table (EffectiveOwner) from the RACI matrix."

    def handle(self, *args, **options):
        with transaction.atomic():
            rows = refresh()
        self.stdout.write(f"effective owners: {rows} rows")
