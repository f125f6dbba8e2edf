"""Retention of disputes' personal data and evidence, and the parties' side of deleting an
account (docs/personal-data-retention.md). The daily task in mediation.privacy calls the purges.

A dispute's legal content (title, description, outcome, timeline, settlements and their signed
PDFs) is kept; what identifies or reaches the parties (names, phones, email, addresses) goes.
Phones cannot be emptied on both sides (the `parties_differ` constraint) and must never match
a real account (parties are found by verified phone): each side gets its own marker, which no
normalised phone number can equal.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

from core.crypto import blind_index
from core.retention import cutoff, in_batches

from .models import Dispute, DisputeParty, Evidence, Representative

# Stored values, not interface text: the same in every language, hence both languages.
ANONYMISED_NAME = "已匿名 (anonymised)"
DELETED_NAME = "已注销用户 (deleted user)"
REMOVED_PHONE = {"claimant": "-", "respondent": "--"}

SIDES = ("claimant", "respondent")


def _ended_before(before: datetime) -> Q:
    return Q(state__in=Dispute.TERMINAL, closed_at__lt=before)


def _removed(side: str, name: str) -> dict:
    # update() skips save(), so the blind index is written here too (docs/personal-data-encryption.md).
    removed = REMOVED_PHONE[side]
    fields = {
        f"{side}_name": name,
        f"{side}_phone": removed,
        f"{side}_phone_index": blind_index(removed),
        f"{side}_address": "",
    }
    if side == "respondent":
        fields["respondent_email"] = ""
    return fields


def anonymise_parties(parties, name: str) -> None:
    """Every party row given and its agents and guardians: names, phones, email, addresses,
    USCC and contacts replaced, the authorisation files deleted once this commits.

    Each row gets its own phone marker (`-p<id>`, `-r<id>`): the one-phone-per-party
    constraints hold, and no normalised phone number can equal one."""
    parties = list(parties)
    for party in parties:
        marker = f"-p{party.pk}"
        DisputeParty.objects.filter(pk=party.pk).update(
            name=name, phone=marker, phone_index=blind_index(marker), email="", address="", uscc="",
            contact_name="", contact_title="",
        )  # fmt: skip
    reps = Representative.objects.filter(party__in=[p.pk for p in parties])
    names = [n for n in reps.values_list("authorisation", flat=True) if n]
    for pk in reps.values_list("pk", flat=True):
        marker = f"-r{pk}"
        Representative.objects.filter(pk=pk).update(
            name=name,
            phone=marker,
            phone_index=blind_index(marker),
            authorisation="",
            authorisation_filename="",
        )
    transaction.on_commit(partial(delete_files, names))


def anonymise_disputes(now: datetime, *, dry_run: bool, batch: int) -> int:
    """Rejected, withdrawn and closed disputes closed more than RETENTION["disputes"] days
    ago: every party's names, phones, email and addresses are replaced, once, and the
    agents' and guardians' with them (their authorisations deleted)."""
    expired = Dispute.objects.filter(_ended_before(cutoff("disputes", now)), anonymised_at=None)

    def anonymise(ids: list[int]) -> int:
        fields = {**_removed("claimant", ANONYMISED_NAME), **_removed("respondent", ANONYMISED_NAME)}
        anonymise_parties(
            DisputeParty.objects.filter(dispute__in=ids, dispute__anonymised_at=None), ANONYMISED_NAME
        )
        return Dispute.objects.filter(pk__in=ids, anonymised_at=None).update(anonymised_at=now, **fields)

    return in_batches(expired, anonymise, dry_run=dry_run, batch=batch)


def purge_evidence(now: datetime, *, dry_run: bool, batch: int) -> int:
    """Evidence of disputes closed more than RETENTION["evidence"] days ago: the rows, and
    their files once the deletion has committed (a rollback leaves both)."""
    expired = Evidence.objects.filter(
        dispute__state__in=Dispute.TERMINAL, dispute__closed_at__lt=cutoff("evidence", now)
    )

    def delete(ids: list[int]) -> int:
        rows = Evidence.objects.filter(pk__in=ids)
        names = [name for name in rows.values_list("file", flat=True) if name]
        deleted = rows.delete()[1].get(Evidence._meta.label, 0)
        transaction.on_commit(partial(delete_files, names))
        return deleted

    return in_batches(expired, delete, dry_run=dry_run, batch=batch)


def delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


# --- deleting an account ------------------------------------------------------------------------
def open_disputes_of(user) -> list[Dispute]:
    """The disputes, not yet rejected, withdrawn or closed, the user takes part in as a party
    (claimant, served respondent) or filed: an account cannot be deleted while one is open."""
    parties = Q(filed_by=user)
    if user.phone_verified and user.phone:
        parties |= Q(pk__in=Dispute.objects.naming(user).values("pk"))
    return list(Dispute.objects.filter(parties).exclude(state__in=Dispute.TERMINAL).order_by("pk"))


def remove_party(user) -> int:
    """Replace this person's name and contact data on the ended disputes naming their phone.

    Only fields of the dispute row change: the settlement's signed PDF, its hash and the
    signatures' records (what public verification compares) are never touched. Disputes still
    open that name the phone without having served it (the person never saw them) keep it:
    the claimant's filing needs it, and the retention task removes it later.
    """
    if not user.phone:
        return 0
    count = 0
    ended = Dispute.objects.filter(state__in=Dispute.TERMINAL)
    index = blind_index(user.phone)
    for side in SIDES:
        count += ended.filter(**{f"{side}_phone_index": index}).update(**_removed(side, DELETED_NAME))
    # The party rows naming the phone (leads included), and their agents and guardians with them;
    # an agent or guardian's own rows on ended disputes (docs/features/parties.md).
    anonymise_parties(
        DisputeParty.objects.filter(dispute__state__in=Dispute.TERMINAL, phone_index=index), DELETED_NAME
    )
    for rep in Representative.objects.filter(party__dispute__state__in=Dispute.TERMINAL, phone_index=index):
        marker = f"-r{rep.pk}"
        Representative.objects.filter(pk=rep.pk).update(
            name=DELETED_NAME, phone=marker, phone_index=blind_index(marker)
        )
    return count
