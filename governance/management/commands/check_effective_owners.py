from django.core.management.base import BaseCommand, CommandError

from governance.materialise import differences


class Command(BaseCommand):
    help = (
        "Check that the effective owners table equals the Python RACI resolver; exits "
        "non-zero naming each difference (mend with rebuild_effective_owners)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=50, help="Differences to print.")

    def handle(self, *args, limit, **options):
        found = differences()
        if found:
            for line in found[:limit]:
                self.stderr.write(line)
            raise CommandError(
                f"{len(found)} difference(s) between the effective owners table and the "
                "resolver: run rebuild_effective_owners."
            )
        self.stdout.write("effective owners match the resolver")
