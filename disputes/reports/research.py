"""The de-identified export for evaluation and research (docs/personal-data-masking.md).

No names, phones, ID numbers, emails, addresses or free text (titles, descriptions, reasons):
each dispute is a pseudonym, HMAC-SHA256 of its id under a random key made for this export
alone and then forgotten, so ids are stable within one file and cannot be linked across
files; its region is the ancestor of its grid at the level asked for; the amount claimed is a
band; dates are months. There is no age on a dispute or an account, so no age column.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region
from disputes.models import Dispute

from .exports import CHUNK

LEVELS = {"district": 0, "street": 1, "community": 2, "grid": 3}
# Upper bounds (exclusive) of the amount bands, in yuan, and their labels.
BANDS = ((Decimal(1000), "<1k"), (Decimal(5000), "1k-5k"), (Decimal(20000), "5k-20k"))
TOP_BAND = ">=20k"


def amount_band(amount) -> str:
    if amount is None:
        return ""
    for bound, label in BANDS:
        if amount < bound:
            return label
    return TOP_BAND


def month(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m") if value else ""


def header(level: str) -> list[str]:
    return [
        _("Pseudonym"), _("Region (%(level)s)") % {"level": Region.Kind(level).label}, _("Category"), _("State"),
        _("Level"), _("Outcome"), _("Amount band"), _("Filed (month)"), _("Settled (month)"),
        _("Closed (month)"),
    ]  # fmt: skip


def rows(qs: QuerySet[Dispute], level: str) -> Iterator[list]:
    key = secrets.token_bytes(32)  # this export's only: pseudonyms cannot be linked across files
    depth = LEVELS[level]
    names = {r.pk: r.display_name() for r in Region.objects.filter(kind=level)}
    for d in qs.select_related("category", "grid").iterator(chunk_size=CHUNK):
        ancestors = [int(part) for part in d.grid.path.strip("/").split("/")]
        region = names.get(ancestors[depth], "") if depth < len(ancestors) else ""
        yield [
            hmac.new(key, str(d.pk).encode(), hashlib.sha256).hexdigest()[:16],
            region, d.category.display_name, d.get_state_display(), d.get_level_display(),
            d.get_outcome_display(), amount_band(d.amount_claimed), month(d.created_at),
            month(d.settled_at), month(d.closed_at),
        ]  # fmt: skip
