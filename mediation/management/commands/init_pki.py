"""Create the platform CA, timestamp authority and committee seal under settings.PKI_DIR."""

from django.conf import settings
from django.core.management.base import BaseCommand

from mediation.settlements import pki


class Command(BaseCommand):
    help = "Create the signing keys and certificates (once; existing ones are kept)."

    def handle(self, *args, **options):
        existed = (settings.PKI_DIR / "root.cert.pem").exists()
        platform = pki.get()
        state = "kept" if existed else "created"
        self.stdout.write(
            f"PKI {state} in {settings.PKI_DIR}: root serial {platform.root.cert.serial_number:x}"
        )
