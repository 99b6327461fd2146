from django.core.management.base import BaseCommand
from django.db import transaction

from governance.services import permissions_sync


class Command(BaseCommand):
    help = "Rebuild every identity's guardian object permissions from the RACI matrix."

    def handle(self, *args, **options):
        with transaction.atomic():
            stats = permissions_sync()
        for table, counts in stats.items():
            self.stdout.write(f"{table}: +{counts['added']} -{counts['removed']}")
