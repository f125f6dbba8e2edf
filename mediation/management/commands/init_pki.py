"""Make the platform's keys in the PKCS#11 token and their certificates under settings.PKI_DIR
(docs/features/signatures.md, "Keys in the token")."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mediation.settlements import certs, pki


class Command(BaseCommand):
    help = (
        "Initialise the signing token if absent and make the root CA, issuing CA, TSA and one seal per "
        "committee (existing keys and certificates are kept)."
    )

    def handle(self, *args, **options):
        from mediation.models import Committee

        before = {p.name for p in settings.PKI_DIR.glob("*.pem")} if settings.PKI_DIR.exists() else set()
        try:
            made = pki.ensure(Committee.objects.all())
        except pki.TokenError as error:
            raise CommandError(f"The signing token cannot be used: {error.detail}") from error
        for name, cert in made.items():
            state = "kept" if f"{name}.pem" in before else "created"
            self.stdout.write(
                f"{name}: {state}, serial {certs.serial_hex(cert)}, {cert.subject.native['common_name']}"
            )
        self.stdout.write(f"PKI in {settings.PKI_DIR} (keys in token {settings.PKCS11_TOKEN!r})")
