from celery import shared_task


# Named as before the move (the beat schedule in config/settings.py uses the names).
@shared_task(name="mediation.tasks.sweep_judicial_deadlines", acks_late=True)
def sweep_judicial_deadlines() -> int:
    """Beat: reminders before the judicial-confirmation window closes, expiry after (safe to run twice)."""
    from . import judicial

    return judicial.sweep()


@shared_task(name="mediation.tasks.remove_orphan_pdfs", acks_late=True)
def remove_orphan_pdfs() -> int:
    """Beat: delete signed PDFs no row refers to (a transaction that failed after writing one),
    and prepared signings for signer-held keys long past their expiry (held.remove_expired)."""
    from . import agreements, held

    return agreements.remove_orphan_files() + held.remove_expired()


@shared_task(name="mediation.tasks.anchor_audit_log", acks_late=True)
def anchor_audit_log() -> int | None:
    """Beat: timestamp the audit log's head with the platform TSA (docs/personal-data-audit.md)."""
    from . import anchors

    anchor = anchors.stamp_head()
    return anchor.index if anchor else None


@shared_task(name="mediation.tasks.verify_audit_log", acks_late=True)
def verify_audit_log() -> bool:
    """Nightly: check the audit log and its anchors, alert the superusers once per break; True when
    intact (notifications.auditcheck)."""
    from notifications import auditcheck

    return auditcheck.nightly().broken_index is None


@shared_task(name="mediation.tasks.publish_crl", acks_late=True)
def publish_crl() -> str:
    """Beat: republish the issuing CA's CRL and the revocation status well before the CRL's
    nextUpdate (docs/features/trust-services.md); revocations publish at once after commit."""
    from . import revocation

    return str(revocation.publish())
