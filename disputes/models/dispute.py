"""Disputes, their state machine (docs/state-machine.md), their timeline and evidence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from accounts import roles
from accounts.models import Place, Region, StaffRole, User
from core.crypto import blind_index
from core.fields import BlindIndexed, BlindIndexField, EncryptedTextField

from .category import Category
from .indexes import RELATED_INDEXES
from .parties import DisputeParty, PartyRoles, Side, naming_q

UNPLACED_OK = {"kind__in": ["grid", "street"]}


class Level(models.IntegerChoices):
    """The level a dispute is handled at; the value is the depth of that region kind."""

    DISTRICT = 0, _("District")
    STREET = 1, _("Street")
    COMMUNITY = 2, _("Community")


Party = Side  # one of the two sides of a dispute (a rating's author, whom a request asks)


class DisputeQuerySet(models.QuerySet):
    def naming(self, user, *, served_only: bool = True) -> DisputeQuerySet:
        """The disputes naming the user's verified phone: as a party on either side (a respondent
        once served, unless `served_only` is False), or as an approved agent or guardian of one.
        Matched through the blind index (disputes.models.parties)."""
        if not (user.phone_verified and user.phone):
            return self.none()
        return self.filter(naming_q(blind_index(user.phone), served_only=served_only))

    def with_parties(self) -> DisputeQuerySet:
        """Every party and its agents in two queries, whatever the number of rows (lists)."""
        return self.prefetch_related("parties__representatives")

    def visible_to(self, user) -> DisputeQuerySet:
        """The one place that decides who sees which dispute.

        Parties by verified phone (a respondent only once served), the current mediator,
        staff (grid workers, case handlers) over their region subtrees, superusers all.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(Q(mediator=user) | Q(grid_id__in=roles.staff_grids(user))) | self.naming(user)


class Dispute(BlindIndexed, PartyRoles, ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        FILED = "filed", _("Filed")
        REJECTED = "rejected", _("Rejected")
        AWAITING_RESPONSE = "awaiting_response", _("Awaiting response")
        AWAITING_MEDIATOR = "awaiting_mediator", _("Awaiting mediator")
        MEDIATOR_ASSIGNED = "mediator_assigned", _("Mediator assigned")
        IN_MEDIATION = "in_mediation", _("In mediation")
        AWAITING_SIGNATURES = "awaiting_signatures", _("Awaiting signatures")
        SETTLED = "settled", _("Settled")
        ESCALATED = "escalated", _("Escalated")
        CASE_HANDLING = "case_handling", _("Case handling")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Outcome(models.TextChoices):
        REFERRED_COURT = "referred_court", _("Referred to court")
        REFERRED_ARBITRATION = "referred_arbitration", _("Referred to arbitration")
        REFERRED_DEPARTMENT = "referred_department", _("Referred to a department")
        ADJUDICATED = "adjudicated", _("Adjudicated")
        DISMISSED = "dismissed", _("Dismissed")
        FULFILLED = "fulfilled", _("Settlement fulfilled")

    TERMINAL = (State.REJECTED, State.CLOSED, State.WITHDRAWN)
    OPEN_FOR_WITHDRAWAL = (
        State.FILED,
        State.AWAITING_RESPONSE,
        State.AWAITING_MEDIATOR,
        State.MEDIATOR_ASSIGNED,
        State.IN_MEDIATION,
        State.AWAITING_SIGNATURES,
    )

    reference = models.CharField(_("reference"), max_length=20, unique=True, null=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=10000)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("category"))
    # A grid; while unplaced (the filer did not know the place) the street (docs/features/places.md).
    grid = models.ForeignKey(Region, models.PROTECT, limit_choices_to=UNPLACED_OK, verbose_name=_("grid"))
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.COMMUNITY)
    # Where the dispute arose, when the filer named a known place (docs/features/places.md).
    place = models.ForeignKey(
        Place, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("place")
    )

    # The lead party of each side (all parties: `parties`, disputes.models.parties). Parties are
    # identified by verified phone: whoever verifies the number is the party. Phones and
    # addresses are sealed at rest; phones are found by their blind index
    # (docs/personal-data-encryption.md).
    claimant_name = models.CharField(_("claimant"), max_length=100)
    claimant_phone = EncryptedTextField(_("claimant phone"), max_length=20)
    claimant_phone_index = BlindIndexField(source="claimant_phone", db_index=True)
    respondent_name = models.CharField(_("respondent"), max_length=100)
    respondent_phone = EncryptedTextField(_("respondent phone"), max_length=20)
    respondent_phone_index = BlindIndexField(source="respondent_phone", db_index=True)
    respondent_email = models.EmailField(_("respondent email"), blank=True)
    # Addresses help find conflicts of interest (same surname and address as the mediator).
    claimant_address = EncryptedTextField(_("claimant address"), max_length=200, blank=True)
    respondent_address = EncryptedTextField(_("respondent address"), max_length=200, blank=True)
    amount_claimed = models.DecimalField(
        _("amount claimed"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    desired_outcome = models.TextField(_("desired outcome"), max_length=2000, blank=True)
    # The language of the dispute's documents: the agreement, the judicial application, the case
    # file and the referral letter (docs/features/settlements.md). Chosen at filing; staff in
    # charge may change it until a settlement is proposed (disputes.language).
    language = models.CharField(
        _("document language"), max_length=8, choices=User.Language.choices, default=User.Language.ZH_HANS
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="filed_disputes"
    )
    # Identical open filings by the same filer are one dispute (double submits, retries).
    fingerprint = models.CharField(max_length=64, editable=False)

    state = FSMField(_("state"), choices=State.choices, default=State.FILED, protected=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    # When the SLA sweeper must next look at this dispute (a reminder point or the deadline);
    # null once nothing is pending. Set with due_at by disputes.sla.deadlines.schedule.
    sla_next_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the respondent ladder asks the grid worker for a home visit; cleared by the visit.
    home_visit_due_at = models.DateTimeField(_("home visit due"), null=True, blank=True, editable=False)
    served_at = models.DateTimeField(_("served"), null=True, blank=True)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediated_disputes",
        verbose_name=_("mediator"),
    )
    case_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_disputes",
        verbose_name=_("case handler"),
    )
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the last signature settled it; kept after the follow-up visit closes it (cockpit).
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True, editable=False)
    # When the retention task removed the parties' personal data (docs/personal-data-retention.md).
    anonymised_at = models.DateTimeField(_("personal data removed"), null=True, blank=True, editable=False)
    # A follow-up opened by a supervisor's review that found the original handled badly.
    follows = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="followups",
        verbose_name=_("follows"),
    )  # fmt: skip

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["filed_by", "fingerprint"],
                condition=~Q(state__in=["rejected", "closed", "withdrawn"]),
                name="one_open_dispute_per_filing",
            ),
            models.CheckConstraint(
                condition=~Q(claimant_phone_index=models.F("respondent_phone_index")), name="parties_differ"
            ),
        ]
        indexes = [
            # Staff lists: "my grids, newest first" and queues "my grids, this state, soonest due".
            models.Index(fields=["grid", "-id"], name="dispute_grid_recent"),
            models.Index(fields=["grid", "state", "due_at"], name="dispute_grid_queue"),
            # Case handler queues and the overdue sweep: state, soonest due.
            models.Index(fields=["state", "due_at"], name="dispute_state_due"),
            models.Index(fields=["mediator", "state"], name="dispute_mediator_state"),
            *RELATED_INDEXES,  # related disputes (disputes.related)
            # The SLA sweeper (disputes.sla.engine.sweep): "sla_next_at <= now, soonest first".
            models.Index(
                fields=["sla_next_at"], condition=Q(sla_next_at__isnull=False), name="dispute_sla_next"
            ),
            # Open caseload of every mediator (mediation.pool.ranking.rank counts it per ranking).
            models.Index(
                fields=["mediator"],
                condition=Q(state__in=["mediator_assigned", "in_mediation", "awaiting_signatures"]),
                name="dispute_open_by_mediator",
            ),
            # Cockpit and stats (disputes.reports.stats): a period of filing dates within the viewer's
            # grids, read from the index alone (GROUP BY grid, state, category; overdue count).
            models.Index(
                fields=["grid", "created_at"],
                include=["state", "category", "due_at"],
                name="dispute_grid_filed",
            ),
            # ... and the median time to settlement, over the settled ones only.
            models.Index(
                fields=["grid", "created_at"],
                include=["category", "settled_at"],
                condition=Q(settled_at__isnull=False),
                name="dispute_grid_settled",
            ),  # fmt: skip
            # "Overdue now" depends on the clock, so the cockpit counts it here, from the index.
            models.Index(
                fields=["due_at"],
                include=["grid", "category", "created_at"],
                condition=Q(due_at__isnull=False),
                name="dispute_overdue",
            ),
            # The median time to settle: the settled disputes in order of that time, so the
            # middle one is a short walk from where the tallies say its day starts.
            models.Index(
                models.F("settled_at") - models.F("created_at"),
                models.F("grid"),
                models.F("category"),
                models.F("created_at"),
                models.F("settled_at"),
                condition=Q(settled_at__isnull=False),
                name="dispute_settle_time",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:  # every dispute has its two lead parties as rows too (disputes.models.parties)
            DisputeParty.objects.bulk_create(
                [self.lead_party(Side.CLAIMANT), self.lead_party(Side.RESPONDENT)]
            )

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("disputes:detail", args=[self.pk])

    def lead_party(self, side: str) -> DisputeParty:
        """The lead party of `side` as the dispute's own fields state it (unsaved)."""
        return DisputeParty(
            dispute=self, side=side, position=0, name=getattr(self, f"{side}_name"),
            phone=getattr(self, f"{side}_phone"), address=getattr(self, f"{side}_address"),
            email=self.respondent_email if side == Side.RESPONDENT else "", added_by_id=self.filed_by_id,
        )  # fmt: skip

    # --- who is who (is_claimant, is_respondent, is_party: disputes.models.parties) ---------
    def is_mediator(self, user) -> bool:
        return user.is_authenticated and self.mediator_id == user.pk

    def is_grid_worker(self, user) -> bool:
        return roles.works_intake_of(user, self.grid)  # unplaced: any grid worker of the street

    def is_case_handler(self, user) -> bool:
        """A case handler at this dispute's level or above whose region covers it."""
        return roles.holds_role_over(user, StaffRole.Role.CASE_HANDLER, self.grid, max_depth=self.level)

    def is_assigned_handler(self, user) -> bool:
        return user.is_authenticated and self.case_handler_id == user.pk

    def role_of(self, user) -> str:
        """The capacity in which a user acts on this dispute (for the timeline)."""
        if user is None:
            return "system"
        for role, check in (
            ("claimant", self.is_claimant),
            ("respondent", self.is_respondent),
            ("mediator", self.is_mediator),
            ("case_handler", self.is_assigned_handler),
            ("grid_worker", self.is_grid_worker),
            ("case_handler", self.is_case_handler),
        ):
            if check(user):
                return role
        return "admin" if user.is_superuser else "staff"

    def is_overdue(self) -> bool:
        return self.due_at is not None and self.due_at < timezone.now()

    @property
    def is_terminal(self) -> bool:
        return self.state in self.TERMINAL

    # --- guards ----------------------------------------------------------------------
    def is_placed(self) -> bool:
        """In a grid; an unplaced dispute waits in its street's intake (docs/features/places.md)."""
        return self.grid.kind == Region.Kind.GRID

    def has_mediator(self) -> bool:
        return self.mediator_id is not None

    def has_case_handler(self) -> bool:
        return self.case_handler_id is not None

    # --- transitions (pure: they check and set fields; services save and record) -----
    @transition(
        state,
        source=State.FILED,
        target=State.AWAITING_RESPONSE,
        permission=lambda d, u: d.is_grid_worker(u),
        conditions=[is_placed],
    )
    def accept(self, note: str = "") -> None:
        """Intake accepts the dispute; the respondent is served from now on."""
        self.served_at = timezone.now()

    @transition(
        state,
        source=State.FILED,
        target=State.REJECTED,
        permission=lambda d, u: d.is_grid_worker(u),
        conditions=[],
    )
    def reject(self, reason: str, referral_advice: str = "") -> None:
        self.outcome_note = reason
        self.closed_at = timezone.now()

    # Each respondent answers; the dispute moves once all have (PartyRoles.answers_outcome).
    ANSWERED = RETURN_VALUE(State.AWAITING_RESPONSE, State.AWAITING_MEDIATOR, State.ESCALATED)

    @transition(
        state, source=State.AWAITING_RESPONSE, target=ANSWERED, permission=lambda d, u: d.may_answer(u)
    )
    def respondent_accept(self, party=None) -> str:
        """A respondent agrees to mediation (`party`: the one answered for; the service picks it)."""
        return self.answer(party, accepted=True)

    @transition(
        state, source=State.AWAITING_RESPONSE, target=ANSWERED, permission=lambda d, u: d.may_answer(u)
    )
    def respondent_decline(self, reason: str, party=None) -> str:
        """A respondent declines; party None (the deadline passed): every one still pending."""
        if (to := self.answer(party, accepted=False)) == self.State.ESCALATED:
            self._rise()
        return to

    @transition(
        state,
        source=[State.AWAITING_MEDIATOR, State.MEDIATOR_ASSIGNED],
        target=State.MEDIATOR_ASSIGNED,
        permission=lambda d, u: d.is_grid_worker(u),
        conditions=[],
    )
    def assign_mediator(self, mediator) -> None:
        """Assign a mediator; from mediator_assigned it replaces the pending assignment."""
        self.mediator = mediator

    @transition(
        state,
        source=State.MEDIATOR_ASSIGNED,
        target=State.IN_MEDIATION,
        permission=lambda d, u: d.is_mediator(u),
        conditions=[has_mediator],
    )
    def mediator_accept(self) -> None:
        """The assigned mediator takes the case; mediation starts."""

    @transition(
        state,
        source=State.MEDIATOR_ASSIGNED,
        target=State.AWAITING_MEDIATOR,
        permission=lambda d, u: d.is_mediator(u),
        conditions=[has_mediator],
    )
    def mediator_decline(self, reason: str) -> None:
        self.mediator = None

    @transition(
        state,
        source=[State.MEDIATOR_ASSIGNED, State.IN_MEDIATION],
        target=State.AWAITING_MEDIATOR,
        permission=lambda d, u: d.is_grid_worker(u),
        conditions=[has_mediator],
    )
    def replace_mediator(self, reason: str) -> None:
        """Remove the mediator (e.g. recusal, 回避); they lose access at once."""
        self.mediator = None

    @transition(
        state,
        source=State.IN_MEDIATION,
        target=State.ESCALATED,
        permission=lambda d, u: d.is_mediator(u),
        conditions=[has_mediator],
    )
    def fail_mediation(self, reason: str) -> None:
        self._rise()

    @transition(
        state,
        source=[
            State.FILED,
            State.AWAITING_RESPONSE,
            State.AWAITING_MEDIATOR,
            State.MEDIATOR_ASSIGNED,
            State.IN_MEDIATION,
        ],
        target=State.ESCALATED,
        permission=lambda d, u: d.is_grid_worker(u),
        conditions=[],
    )
    def escalate(self, reason: str) -> None:
        self._rise()

    @transition(
        state,
        source=State.ESCALATED,
        target=State.CASE_HANDLING,
        permission=lambda d, u: d.is_case_handler(u),
        conditions=[],
    )
    def take_case(self, handler) -> None:
        self.case_handler = handler

    @transition(
        state,
        source=State.CASE_HANDLING,
        target=State.AWAITING_MEDIATOR,
        permission=lambda d, u: d.is_assigned_handler(u),
        conditions=[has_case_handler],
    )
    def return_to_mediation(self, reason: str) -> None:
        """Back to mediation at the raised level: the next mediator comes from that pool.

        A dispute escalated straight from intake was never served: serve the respondent now.
        """
        self.case_handler = None
        if self.served_at is None:
            self.served_at = timezone.now()

    @transition(
        state,
        source=State.CASE_HANDLING,
        target=State.CLOSED,
        permission=lambda d, u: d.is_assigned_handler(u),
        conditions=[has_case_handler],
    )
    def conclude(self, outcome: str, note: str = "") -> None:
        self.outcome = outcome
        self.outcome_note = note
        self.closed_at = timezone.now()

    @transition(
        state,
        source=OPEN_FOR_WITHDRAWAL,
        target=RETURN_VALUE(*OPEN_FOR_WITHDRAWAL, State.WITHDRAWN),
        permission=lambda d, u: d.is_claimant(u),
    )
    def withdraw(self, reason: str = "", party=None) -> str:
        """A claimant withdraws their claim; the last claim's withdrawal withdraws the dispute."""
        if self.withdraw_claim(party):
            return self.state  # other claimants go on (PartyRoles.withdraw_claim)
        self.mediator = None
        self.closed_at = timezone.now()
        return self.State.WITHDRAWN

    @transition(
        state,
        source=State.IN_MEDIATION,
        target=State.AWAITING_SIGNATURES,
        permission=lambda d, u: d.is_mediator(u),
        conditions=[has_mediator],
    )
    def propose_settlement(
        self, terms: list, amount: str | None = None, performance_method: str = "", performance_deadline=None
    ) -> None:
        """The mediator puts a settlement to the parties; mediation.settlements keeps its versions."""

    @transition(
        state,
        source=State.AWAITING_SIGNATURES,
        target=RETURN_VALUE(State.AWAITING_SIGNATURES, State.SETTLED),
        permission=lambda d, u: d.is_party(u) or d.is_mediator(u),
        conditions=[has_mediator],
    )
    def sign(self, final: bool = False) -> str:
        """Each party once, in any order, then the mediator, whose signature (with the
        committee seal) settles the dispute. mediation.settlements decides whose turn it is."""
        if final:
            self.settled_at = timezone.now()
        return self.State.SETTLED if final else self.State.AWAITING_SIGNATURES

    @transition(
        state,
        source=State.AWAITING_SIGNATURES,
        target=State.IN_MEDIATION,
        permission=lambda d, u: d.is_party(u),
        conditions=[has_mediator],
    )
    def decline_settlement(self, reason: str) -> None:
        """A party refuses the proposal; the next proposal is a new version."""

    @transition(
        state,
        source=State.SETTLED,
        target=State.CLOSED,
        permission=lambda d, u: d.is_grid_worker(u),
        conditions=[],
    )
    def record_fulfilment(self, note: str = "") -> None:
        """The follow-up visit found the settlement honoured."""
        self.outcome = self.Outcome.FULFILLED
        self.outcome_note = note
        self.closed_at = timezone.now()

    @transition(
        state,
        source=State.SETTLED,
        target=State.ESCALATED,
        permission=lambda d, u: d.is_party(u) or d.is_grid_worker(u),
        conditions=[],
    )
    def report_breach(self, reason: str, party=None) -> None:
        """The settlement is not honoured: escalate (one level up) with the agreement attached."""
        self._rise()

    def _rise(self) -> None:
        """Each escalation raises the level one step (community → street → district)."""
        self.mediator = None
        self.level = max(self.level - 1, Level.DISTRICT)


TRANSITIONS = {t.name for t in Dispute._meta.get_field("state").get_all_transitions(Dispute)}
for _name in TRANSITIONS:
    getattr(Dispute, _name).alters_data = True  # templates can never fire a transition


class DisputeEvent(models.Model):
    """One line of a dispute's timeline: the legal trail of the case. Never edited."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(max_length=40)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dispute", "at"], name="event_timeline")]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.transition} {self.from_state}→{self.to_state}"


def evidence_path(instance: Evidence, filename: str) -> str:
    import secrets

    # A random name: the original is kept in `filename` and never touches the filesystem.
    return f"evidence/{instance.dispute_id}/{secrets.token_hex(16)}"


class Evidence(models.Model):
    """A file a party or staff added to the case; deleted, file and row, by the retention
    task once the dispute is long closed (disputes.retention)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.filename
