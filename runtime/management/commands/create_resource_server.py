"""Issue a resource server's introspection credential; the secret is printed once."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from runtime.services import resource_server_create


class Command(BaseCommand):
    help = "Issue an introspection credential for a resource server (prints the secret once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--admin", required=True, help="Username of the issuing admin.")

    def handle(self, *args, name: str, client_id: str, admin: str, **options):
        actor = get_user_model().objects.filter(username=admin).first()
        if actor is None:
            raise CommandError(f"No user {admin!r}.")
        try:
            server, secret = resource_server_create(actor=actor, name=name, client_id=client_id)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"client_id={server.client_id}\nclient_secret={secret}")
        self.stderr.write("Store the secret now: Steward keeps only its digest.")
