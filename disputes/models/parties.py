"""The parties of a dispute: one or more on each side, persons or organisations, each with
its agents and guardians (docs/features/parties.md).

The first party of each side (position 0, the *lead*) is mirrored in the dispute's own
`claimant_*` / `respondent_*` fields, which the two-party API and the older pages read; the
dispute creates its lead rows when it is created (Dispute.save). Everyone is matched by the
blind index of a verified phone: an organisation acts through its contact's phone, an agent
or guardian through their own (docs/personal-data-encryption.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.crypto import blind_index
from core.fields import BlindIndexed, BlindIndexField, EncryptedTextField
from core.identifiers import validate_uscc


def index_of(user) -> str:
    """The blind index of a user's phone: from the phone when loaded, else the stored index."""
    return blind_index(user.phone) if user.phone else getattr(user, "phone_index", "")


class Side(models.TextChoices):
    CLAIMANT = "claimant", _("Claimant")
    RESPONDENT = "respondent", _("Respondent")


class DisputeParty(BlindIndexed, models.Model):
    """One party: a natural person or an organisation, on one side of one dispute."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Natural person")
        ORGANISATION = "organisation", _("Organisation")

    class OrgType(models.TextChoices):
        COMPANY = "company", _("Company")
        SHOP = "shop", _("Shop (individual business)")
        PROPERTY_MANAGEMENT = "property_management", _("Property-management company")
        ASSOCIATION = "association", _("Association")
        OTHER = "other", _("Other organisation")

    class Answer(models.TextChoices):
        PENDING = "pending", _("Not yet answered")
        ACCEPTED = "accepted", _("Agreed to mediation")
        DECLINED = "declined", _("Declined mediation")

    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)  # 0: the lead of its side
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    # A person's name, or an organisation's registered name.
    name = models.CharField(_("name"), max_length=100)
    # A person's own phone; an organisation's contact's (who acts for it on the platform).
    phone = EncryptedTextField(_("phone"), max_length=20)
    phone_index = BlindIndexField(source="phone", db_index=True)
    email = models.EmailField(_("email"), blank=True)
    address = EncryptedTextField(_("address"), max_length=200, blank=True)
    # Organisations only.
    org_type = models.CharField(_("type of organisation"), max_length=24, choices=OrgType.choices, blank=True)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc]
    )
    contact_name = models.CharField(_("legal representative or contact"), max_length=100, blank=True)
    contact_title = models.CharField(_("contact's position"), max_length=60, blank=True)
    # Respondents: each answers the invitation to mediate (docs/state-machine.md, "Many parties").
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # Claimants: one of several may withdraw their own claim; the dispute goes on for the others.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["dispute", "side", "position"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "side", "position"], name="one_party_per_position"),
            models.UniqueConstraint(fields=["dispute", "phone_index"], name="one_party_per_phone"),
            models.CheckConstraint(
                condition=Q(kind="person", uscc="") | Q(kind="organisation"),
                name="only_organisations_have_uscc",
            ),
        ]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.side}#{self.position} {self.name}"

    @property
    def is_lead(self) -> bool:
        return self.position == 0

    @property
    def is_organisation(self) -> bool:
        return self.kind == self.Kind.ORGANISATION

    @property
    def takes_part(self) -> bool:
        """Still in the mediation: a claimant who has not withdrawn, a respondent who has not declined."""
        if self.side == Side.CLAIMANT:
            return self.withdrawn_at is None
        return self.answer != self.Answer.DECLINED

    def approved_representatives(self) -> list[Representative]:
        return [r for r in self.representatives.all() if r.status == Representative.Status.APPROVED]


def authorisation_path(instance: Representative, filename: str) -> str:
    import secrets

    return f"authorisations/{instance.party.dispute_id}/{secrets.token_hex(16)}"


class Representative(BlindIndexed, models.Model):
    """An agent (a lawyer, a relative, an authorised employee) or a guardian who acts for a
    party within a recorded authorisation, once a grid worker has checked it."""

    class Kind(models.TextChoices):
        AGENT = "agent", _("Agent")
        GUARDIAN = "guardian", _("Guardian")

    class Relation(models.TextChoices):
        LAWYER = "lawyer", _("Lawyer")
        RELATIVE = "relative", _("Relative")
        EMPLOYEE = "employee", _("Authorised employee")
        PARENT = "parent", _("Parent")
        CHILD = "child", _("Child")
        SPOUSE = "spouse", _("Spouse")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the grid worker's check")
        APPROVED = "approved", _("Authorisation checked")
        REJECTED = "rejected", _("Authorisation rejected")
        REVOKED = "revoked", _("Revoked")

    party = models.ForeignKey(DisputeParty, on_delete=models.CASCADE, related_name="representatives")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    name = models.CharField(_("name"), max_length=100)
    phone = EncryptedTextField(_("phone"), max_length=20)
    phone_index = BlindIndexField(source="phone", db_index=True)
    # What the authorisation allows: answering the invitation, chatting, signing the settlement.
    may_answer = models.BooleanField(_("may answer"), default=True)
    may_chat = models.BooleanField(_("may chat"), default=True)
    may_sign = models.BooleanField(_("may sign"), default=True)
    # The power of attorney (agents) or proof of guardianship (guardians), as uploaded.
    authorisation = models.FileField(_("authorisation"), upload_to=authorisation_path, max_length=200)
    authorisation_filename = models.CharField(max_length=200)
    authorisation_sha256 = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.CharField(_("note"), max_length=500, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["party", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["party", "phone_index"],
                condition=Q(status__in=["pending", "approved"]),
                name="one_live_representative_per_phone",
            ),
        ]
        verbose_name = _("agent or guardian")
        verbose_name_plural = _("agents and guardians")

    def __str__(self) -> str:
        return f"{self.kind} {self.name} for {self.party_id}"

    def allows(self, act: str) -> bool:
        """`act` is answer, chat or sign; guardians act fully for their ward."""
        if self.status != self.Status.APPROVED:
            return False
        return self.kind == self.Kind.GUARDIAN or getattr(self, f"may_{act}")


class Capacity(models.TextChoices):
    """In what capacity someone acts for a party (shown beside signatures and on the timeline)."""

    PARTY = "party", _("Party")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative or contact")
    AGENT = "agent", _("Agent")
    GUARDIAN = "guardian", _("Guardian")


class PartyRoles:
    """Who is who on a dispute, mixed into Dispute: the parties matched by verified phone
    (a respondent only once served), and the agents and guardians a grid worker approved.

    The lead parties are matched from the dispute's own blind indexes without a query; the
    others read `parties` and their `representatives` (prefetch them for lists:
    DisputeQuerySet.with_parties)."""

    def acting_for(
        self, user, act: str | None = None, side: str | None = None
    ) -> list[tuple[DisputeParty, str]]:
        """The parties `user` may act for now, as (party, capacity): their own party (or the
        organisation they are the contact of), and the parties they represent with an approved
        authorisation allowing `act` (answer, chat, sign; None: any)."""
        if not (user.is_authenticated and user.phone_verified):
            return []
        mine = index_of(user)
        found = []
        prefetched = "parties" in getattr(self, "_prefetched_objects_cache", {})
        parties = self.parties.all() if prefetched else self.parties.prefetch_related("representatives")
        for party in parties:
            if side is not None and party.side != side:
                continue
            if party.side == Side.RESPONDENT and self.served_at is None:
                continue
            if party.phone_index == mine:
                capacity = Capacity.LEGAL_REPRESENTATIVE if party.is_organisation else Capacity.PARTY
                found.append((party, capacity))
                continue
            for rep in party.representatives.all():
                if rep.phone_index == mine and (
                    rep.allows(act) if act else rep.status == rep.Status.APPROVED
                ):
                    found.append((party, Capacity(rep.kind)))
                    break
        return found

    def is_claimant(self, user) -> bool:
        if user.is_authenticated and user.phone_verified and index_of(user) == self.claimant_phone_index:
            return True
        return bool(getattr(self, "pk", None) and self.acting_for(user, side=Side.CLAIMANT))

    def is_respondent(self, user) -> bool:
        if not (user.is_authenticated and user.phone_verified and self.served_at is not None):
            return False
        if index_of(user) == self.respondent_phone_index:
            return True
        return bool(getattr(self, "pk", None) and self.acting_for(user, side=Side.RESPONDENT))

    def is_party(self, user) -> bool:
        return self.is_claimant(user) or self.is_respondent(user)

    # --- what every party has done (docs/state-machine.md, "Many parties") -------------------
    # The transitions fired by a party (or its agent or guardian), with the act the
    # authorisation must allow (None: any approved one) and the side acted for (None: either).
    PARTY_ACTS = {
        "respondent_accept": ("answer", Side.RESPONDENT),
        "respondent_decline": ("answer", Side.RESPONDENT),
        "withdraw": (None, Side.CLAIMANT),
        "report_breach": (None, None),
    }

    def side_parties(self, side: str) -> list[DisputeParty]:
        """The parties of `side` in order (from `parties`: prefetch it to act on the same rows)."""
        return [p for p in self.parties.all() if p.side == side]

    def taking_part(self, side: str | None = None) -> list[DisputeParty]:
        """The parties still in the mediation: claimants who have not withdrawn, respondents
        who have not declined."""
        return [p for p in self.parties.all() if p.takes_part and side in (None, p.side)]

    def concerned(self, side: str) -> list[DisputeParty]:
        """The parties of `side` the dispute still concerns: those taking part, or all of them
        once none does (a lone respondent who declined still hears of the escalation)."""
        return self.taking_part(side) or self.side_parties(side)

    def answers_complete(self) -> bool:
        """Every respondent has answered the invitation."""
        return all(p.answer != p.Answer.PENDING for p in self.side_parties(Side.RESPONDENT))

    def answers_outcome(self) -> str:
        """Where the answers take the dispute: it waits while anyone has not answered; then
        mediation goes on if at least one respondent accepted, and escalates if all declined."""
        if not self.answers_complete():
            return self.State.AWAITING_RESPONSE
        if self.taking_part(Side.RESPONDENT):
            return self.State.AWAITING_MEDIATOR
        return self.State.ESCALATED

    def may_answer(self, user) -> bool:
        """A served respondent, or an approved agent (allowed to answer) or guardian of one."""
        if not (user.is_authenticated and user.phone_verified and self.served_at is not None):
            return False
        if index_of(user) == self.respondent_phone_index:
            return True
        return bool(getattr(self, "pk", None) and self.acting_for(user, "answer", Side.RESPONDENT))

    def may_act(self, user, name: str, party: DisputeParty) -> bool:
        """Whether `party` is still open to transition `name` (answering once, withdrawing once)."""
        if name in ("respondent_accept", "respondent_decline"):
            return party.answer == party.Answer.PENDING
        if name == "withdraw":
            return party.withdrawn_at is None
        return party.takes_part

    def parties_for(self, user, name: str) -> list[tuple[DisputeParty, str]]:
        """The parties `user` may fire the party transition `name` for, as (party, capacity)."""
        act, side = self.PARTY_ACTS[name]
        return self.acting_for(user, act, side)

    def open_for(self, user, name: str) -> bool:
        """Display: whether `user` still has a party to fire `name` for (hooks.OFFER)."""
        return any(self.may_act(user, name, party) for party, _ in self.parties_for(user, name))

    def answer(self, party: DisputeParty | None, accepted: bool) -> str:
        """Record one respondent's answer, or (party None: the answer's deadline passed) decline
        for everyone still pending; returns the state the answers lead to. Rows are changed,
        not saved: the service saves them with the dispute (`touched_parties`)."""
        pending = [party] if party is not None else [
            p for p in self.side_parties(Side.RESPONDENT) if p.answer == p.Answer.PENDING
        ]  # fmt: skip
        for p in pending:
            p.answer = p.Answer.ACCEPTED if accepted else p.Answer.DECLINED
            p.answered_at = timezone.now()
            self.touch_party(p)
        return self.answers_outcome()

    def withdraw_claim(self, party: DisputeParty | None) -> bool:
        """Withdraw one claimant's claim; True while other claimants still take part (then the
        dispute goes on without them), False when it was the last claim."""
        if party is None:
            return False
        party.withdrawn_at = timezone.now()
        self.touch_party(party)
        return bool([p for p in self.taking_part(Side.CLAIMANT) if p.pk != party.pk])

    def touch_party(self, party: DisputeParty) -> None:
        if not hasattr(self, "_touched_parties"):
            self._touched_parties = {}
        self._touched_parties[party.pk] = party

    def touched_parties(self) -> list[DisputeParty]:
        """The party rows a transition changed, for the service to save (and forget)."""
        touched = list(getattr(self, "_touched_parties", {}).values())
        self._touched_parties = {}
        return touched

    def act_record(self, user, party: DisputeParty, capacity: str) -> dict:
        """What the timeline records of who acted for whom: {"party", "capacity"} when someone
        acts for another party than themselves or when the side has more than one party."""
        own = capacity in (Capacity.PARTY, Capacity.LEGAL_REPRESENTATIVE)
        if own and len(self.side_parties(party.side)) == 1:
            return {}
        return {"party": party.pk, "capacity": str(capacity)}


def naming_q(phone_index: str, *, served_only: bool = True) -> Q:
    """Disputes naming this phone: as a party (a respondent once served unless `served_only` is
    False), or as an approved agent or guardian of one. For DisputeQuerySet.naming."""
    respondent = Q(respondent_phone_index=phone_index)
    other_parties = DisputeParty.objects.filter(dispute=OuterRef("pk"), phone_index=phone_index)
    represented = Representative.objects.filter(
        party__dispute=OuterRef("pk"), phone_index=phone_index, status=Representative.Status.APPROVED
    )
    served = Q(served_at__isnull=False)
    if served_only:
        respondent &= served
        other_parties = other_parties.filter(Q(side=Side.CLAIMANT) | Q(dispute__served_at__isnull=False))
        represented = represented.filter(
            Q(party__side=Side.CLAIMANT) | Q(party__dispute__served_at__isnull=False)
        )
    return Q(claimant_phone_index=phone_index) | respondent | Exists(other_parties) | Exists(represented)
