"""`manage.py verify_audit`: walk the audit chain and its anchors (docs/personal-data-audit.md).

Prints the number of entries and anchors and "OK", or the first broken index and why, and
exits with status 1 on a break.
"""

from django.core.management.base import BaseCommand, CommandError

from core import audit


class Command(BaseCommand):
    help = "Check the audit log's hash chain and its timestamped anchors."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000, help="rows read per query")

    def handle(self, *args, batch: int, **options):
        entries, anchors, broken = audit.check(batch)
        if broken is not None:
            self.stdout.write(f"{entries} entries, {anchors} anchors checked")
            raise CommandError(f"audit log broken at index {broken.index}: {broken.reason}", returncode=1)
        self.stdout.write(f"{entries} entries, {anchors} anchors: OK")
