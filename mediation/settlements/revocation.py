"""Revoking signer certificates and publishing what the trust process serves
(docs/features/trust-services.md).

The trust process (config/trust_asgi.py) holds no database connection: the main application
writes, under settings.TRUST_PUBLISH_DIR,
- `issuing.crl`: the issuing CA's CRL (after every revocation commits, and on a beat schedule
  well before its nextUpdate);
- `status.json`: every serial issued and every serial revoked (with date and reason), which the
  OCSP responder answers from;
- `issued.log`: serials appended the moment a certificate is registered, so the responder
  knows a certificate issued a second ago (its status.json may be older).
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit
from core.errors import ServiceError
from core.models import AuditEntry

from . import trust

CRL_FILE = "issuing.crl"
STATUS_FILE = "status.json"
ISSUED_LOG = "issued.log"


def folder() -> Path:
    path = Path(settings.TRUST_PUBLISH_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def note_issued(serial: int) -> None:
    """Append a serial to the issued log (one short O_APPEND write: safe across processes)."""
    fd = os.open(folder() / ISSUED_LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, f"{serial:x}\n".encode())
    finally:
        os.close(fd)


def _registry():
    from ..models import IssuedCertificate

    return IssuedCertificate


def _revoked_rows() -> list[trust.Revoked]:
    rows = _registry().objects.filter(revoked_at__isnull=False)
    return [
        trust.Revoked(int(r.serial, 16), r.revoked_at, r.revocation_reason or "unspecified")
        for r in rows.only("serial", "revoked_at", "revocation_reason")
    ]


def publish() -> Path:
    """Write status.json and a freshly signed CRL from the registry; the CRL's path."""
    revoked = _revoked_rows()
    issued = list(_registry().objects.values_list("serial", flat=True))
    status = {
        "published_at": timezone.now().isoformat(),
        "issued": sorted(issued),
        "revoked": [[format(r.serial, "x"), r.revoked_at.isoformat(), r.reason] for r in revoked],
    }
    base = folder()
    _write_atomic(base / STATUS_FILE, json.dumps(status).encode())
    der = trust.build_crl(revoked, number=crl_number(), lifetime=settings.CRL_LIFETIME)
    _write_atomic(base / CRL_FILE, der)
    return base / CRL_FILE


def crl_number() -> int:
    """Monotonic across processes and restarts: milliseconds since the epoch."""
    return int(time.time() * 1000)


def read_status(base: Path | None = None) -> trust.Status:
    """What the responder knows, from status.json and the issued log (missing files: nothing)."""
    base = base or Path(settings.TRUST_PUBLISH_DIR)
    status = trust.Status()
    try:
        data = json.loads((base / STATUS_FILE).read_text())
    except (OSError, ValueError):
        data = {}
    status.issued.update(int(s, 16) for s in data.get("issued", ()))
    for serial, at, reason in data.get("revoked", ()):
        status.revoked[int(serial, 16)] = trust.Revoked(int(serial, 16), datetime.fromisoformat(at), reason)
    try:
        lines = (base / ISSUED_LOG).read_text().split()
    except OSError:
        lines = []
    status.issued.update(int(s, 16) for s in lines if s)
    return status


# --- revoking ------------------------------------------------------------------------------------
def revoke(certificate, *, by, reason: str, ip: str | None = None):
    """Revoke one registered certificate (an IssuedCertificate): recorded, audited, and the CRL
    republished once this commits. 400 for an unknown reason, 409 when already revoked."""
    if reason not in trust.CRL_REASONS:
        raise ServiceError(
            _("Choose one of the revocation reasons: %(reasons)s.")
            % {"reasons": ", ".join(trust.CRL_REASONS)},
            code="invalid",
            field="reason",
        )
    with transaction.atomic():
        row = _registry().objects.select_for_update().get(pk=certificate.pk)
        if row.revoked_at is not None:
            raise ServiceError(_("This certificate is already revoked."), code="conflict", status=409)
        row.revoked_at = timezone.now()
        row.revocation_reason = reason
        row.revoked_by = by
        row.save(update_fields=["revoked_at", "revocation_reason", "revoked_by"])
        audit.record(
            AuditEntry.Action.KEYS, actor=by, target=f"certificate:{row.serial}", ip=ip,
            data={"operation": "revoke", "serial": row.serial, "kind": row.kind, "reason": reason},
        )  # fmt: skip
        transaction.on_commit(partial(publish_quietly))
    return row


def publish_quietly() -> None:
    """After commit: republish; a failure leaves the beat schedule to catch up, and is logged."""
    import logging

    try:
        publish()
    except Exception:
        logging.getLogger(__name__).exception("CRL publication failed; beat will retry")


def on_registered(sender, instance, created: bool, **kwargs) -> None:
    """post_save of IssuedCertificate: the responder learns of a new serial at once."""
    if created:
        note_issued(int(instance.serial, 16))


# --- what the verify page and answer show ------------------------------------------------------
KIND_LABELS = {
    "held": gettext_lazy("Key held by the signer"),
    "event": gettext_lazy("Platform event certificate"),
    "seal": gettext_lazy("Committee seal"),
}


def certificate_states(serials) -> dict[str, tuple[str, datetime | None]]:
    """{serial: (kind, revoked_at)} for the registered certificates among `serials`."""
    serials = [s.lower() for s in serials if s]
    if not serials:
        return {}
    rows = _registry().objects.filter(serial__in=serials).values_list("serial", "kind", "revoked_at")
    return {serial: (kind, revoked_at) for serial, kind, revoked_at in rows}


def signature_rows(settlement) -> list[dict]:
    """The verify page's signatures: role, when, which kind of key, revoked when (if at all)."""
    signatures = list(settlement.signatures.order_by("signed_at", "id"))
    states = certificate_states([s.certificate_serial for s in signatures])
    rows = []
    for s in signatures:
        kind, revoked_at = states.get(s.certificate_serial.lower(), ("", None))
        kind = kind or ("seal" if s.role == "committee" else "event")
        rows.append(
            {
                "role": s.get_role_display(),
                "signed_at": s.signed_at,
                "kind": kind,
                "kind_label": KIND_LABELS.get(kind, kind),
                "revoked_at": revoked_at,
            }
        )
    return rows
