"""manage.py apply_retention [--dry-run]: run the retention task now (docs/personal-data-retention.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from mediation.privacy import retention


class Command(BaseCommand):
    help = "Delete or anonymise the records past their retention period (settings.RETENTION)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted or anonymised."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        counts = retention.apply(dry_run=dry_run)
        verb = "would be deleted or anonymised" if dry_run else "deleted or anonymised"
        for kind, count in counts.items():
            self.stdout.write(f"{kind:<16} {settings.RETENTION[kind]:>6} days  {count:>8} {verb}")
