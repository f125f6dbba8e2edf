"""Run the cockpit's risk rules now (beat runs them daily: disputes.tasks.evaluate_risk)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from disputes.reports import alerts


class Command(BaseCommand):
    help = "Evaluate the risk rules for a day (default today) and raise the new alerts once each."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to evaluate, YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        day = None
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("--date must be YYYY-MM-DD") from exc
        raised = alerts.evaluate(day)
        self.stdout.write(f"{len(raised)} new risk alert(s).")
