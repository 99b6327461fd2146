"""Play the demo cluster: print a service-account token the demo issuer signed, to exchange
at /oauth/token (see the README)."""

from django.core.management.base import BaseCommand, CommandError

from identities.models import Identity
from runtime.demo import demo_proof


class Command(BaseCommand):
    help = "Print a demo workload proof (a Kubernetes SA token) for an identity on prod-eks."

    def add_arguments(self, parser):
        parser.add_argument("--identity", type=int, required=True, help="The identity's id.")
        parser.add_argument("--lifetime", type=int, default=600, help="Seconds (default 600).")

    def handle(self, *args, identity: int, lifetime: int, **options):
        found = Identity.objects.select_related("platform").filter(pk=identity).first()
        if found is None:
            raise CommandError(f"No identity #{identity}.")
        try:
            self.stdout.write(demo_proof(found, lifetime=lifetime))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
