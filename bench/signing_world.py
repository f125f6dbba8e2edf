"""What the settlement benches share (bench/settlement.py, bench/signatures.py): the trust
process on the run's own PKI, Django on a throwaway database, and disputes proposed for
settlement through the real services."""

from __future__ import annotations

import atexit
import os
from pathlib import Path

SIGNERS = [("张三", "claimant"), ("李四", "respondent"), ("钱调解", "mediator")]


def start(work: Path) -> None:
    """The trust services (TSA, CRL, OCSP) as in production, since every signature fetches its
    timestamp and revocation data over HTTP (docs/features/trust-services.md); then Django,
    migrated."""
    from tests.trust_process import TrustProcess

    os.environ["TIAOJIE_TRUST_PUBLISH_DIR"] = str(work / "pki" / "crl")
    trust = TrustProcess(work / "pki", work / "pki" / "crl", work / "trust.log").start()
    atexit.register(trust.stop)
    os.environ["TIAOJIE_TSA_URL"], os.environ["TIAOJIE_PKI_BASE_URL"] = trust.tsa_url, trust.base_url

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class World:
    """Two residents, a grid worker and a mediator; `proposed()` files a dispute and takes it
    to a proposed settlement."""

    def __init__(self):
        from tests import factories

        self.regions = factories.region_tree()
        self.claimant = factories.UserFactory(full_name="张三")
        self.respondent = factories.UserFactory(full_name="李四")
        self.grid_worker = factories.staff("grid_worker", self.regions["grid1"])
        self.mediator = factories.staff("mediator", self.regions["community1"], full_name="钱调解")
        self.users = {"claimant": self.claimant, "respondent": self.respondent, "mediator": self.mediator}

    def proposed(self, title: str = "bench"):
        from disputes import services
        from tests import factories

        dispute = factories.file_dispute(
            self.claimant, self.regions["grid1"], self.respondent.phone, title=title
        )
        for name, user, payload in [
            ("accept", self.grid_worker, {}), ("respondent_accept", self.respondent, {}),
            ("assign_mediator", self.grid_worker, {"mediator": self.mediator.pk}),
            ("mediator_accept", self.mediator, {}), ("propose_settlement", self.mediator, factories.SETTLEMENT),
        ]:  # fmt: skip
            services.fire(dispute.pk, name, by=user, payload=payload)
        return dispute
