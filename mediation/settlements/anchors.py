"""The audit log's chain head, timestamped by the platform TSA (docs/personal-data-audit.md,
"Anchors"). Here rather than in core: the TSA belongs to the settlement PKI, and core may not
import mediation."""

from __future__ import annotations

import asyncio

from core import audit

from . import signing


def stamp_head():
    """Stamp the current head's hash (its 32 bytes are the message digest) and store the token;
    None for an empty log or a head already anchored."""
    from core.models import AuditAnchor

    head = audit.head()
    if head is None:
        return None
    index, digest = head
    if AuditAnchor.objects.filter(index=index, hash=digest).exists():
        return None  # nothing was written since the last anchor
    token = asyncio.run(signing.timestamper().async_timestamp(bytes.fromhex(digest), "sha256"))
    return audit.add_anchor(index, digest, token.dump())
