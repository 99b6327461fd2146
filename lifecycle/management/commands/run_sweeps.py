from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.history import history_actor
from core.system import system_user
from lifecycle.sweeps import SWEEPS, run_sweeps


class Command(BaseCommand):
    help = "Run the lifecycle sweeps once (rotation, expiry, decommission, escalation)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO date-time to sweep as of (default: now).")
        parser.add_argument("--only", nargs="*", choices=sorted(SWEEPS), help="Sweeps to run.")

    def handle(self, *args, now=None, only=None, **options):
        when = timezone.now()
        if now:
            when = parse_datetime(now)
            if when is None:
                raise CommandError(f"--now: not an ISO date-time: {now!r}")
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        with history_actor(system_user()):
            results = run_sweeps(now=when, only=only, report=self._report)
        failed = [r.name for r in results if not r.ok]
        if failed:  # only after every sweep ran: a cron or a CI job sees the exit status
            raise CommandError(f"sweeps with failures: {', '.join(failed)} (see SweepFailure)")

    def _report(self, result) -> None:
        self.stdout.write(str(result))
        self.stdout.flush()
