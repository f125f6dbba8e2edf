"""Case handling: the escalated-case queue, requests for information, referrals.

Reads (the queue, who may read the case file) and writes (information requests and their
answers) of the case handler's workspace. The dossier and the referral letter are PDFs
built in mediation/dossier.py, next to the PDF renderer and the chat and settlement records
they include (disputes never imports mediation).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from accounts.models import StaffRole, User
from core.errors import ServiceError

from . import hooks, labels
from .models import Dispute, DisputeEvent, InfoRequest
from .payloads import REFERRALS
from .services import record_event

S = Dispute.State
HISTORY = 4  # timeline lines shown per row of the queue
MAX_ANSWER_DAYS = 60
REMIND_BEFORE = timedelta(days=1)  # an unanswered request's party is reminded this long before its deadline

# Timeline labels of the events this module records (no change of state).
EVENT_LABELS = {
    "info_requested": gettext_lazy("Asked a party for more information"),
    "info_answered": gettext_lazy("Answered a request for information"),
    "info_reminder": gettext_lazy("Reminded a party of a request for information"),
    "info_overdue": gettext_lazy("A request for information went unanswered"),
    "referral_sent": gettext_lazy("Sent the referral letter"),
    "dossier_downloaded": gettext_lazy("Downloaded the case file"),
}


def register() -> None:
    """Called from DisputesConfig.ready(): conclude takes `referred_to`, a referral is recorded."""
    hooks.RESOLVERS["conclude"] = resolve_conclude
    hooks.after("conclude")(on_conclude)
    labels.register(EVENT_LABELS)


# --- who may do what ------------------------------------------------------------------------
def is_case_handler_over(dispute: Dispute, user) -> bool:
    """A case handler whose region covers the dispute's grid, at any level."""
    return roles.holds_role_over(user, StaffRole.Role.CASE_HANDLER, dispute.grid)


def may_open_case_page(dispute: Dispute, user) -> bool:
    return user.is_superuser or is_case_handler_over(dispute, user)


def may_read_case_file(dispute: Dispute, user) -> bool:
    """Dossier and referral letter: case handlers and grid workers over the grid (DESIGN §3)."""
    return (
        user.is_superuser
        or is_case_handler_over(dispute, user)
        or roles.holds_role_over(user, StaffRole.Role.GRID_WORKER, dispute.grid)
    )


def party_user(dispute: Dispute, party: str) -> User | None:
    """The account behind a party (by verified phone); None if they have none (filed for them)."""
    phone = getattr(dispute, f"{party}_phone")
    return User.objects.filter(phone=phone, phone_verified=True, is_active=True).first()


# --- the queue ------------------------------------------------------------------------------
def escalated_for(user) -> QuerySet[Dispute]:
    """Escalated disputes this case handler may take: their region subtree, their level or below.

    The same rule as Dispute.is_case_handler (a handler at the dispute's level or above).
    """
    waiting = Q(pk__in=[])
    for role, path, depth in roles.staff_roles(user):
        if role == StaffRole.Role.CASE_HANDLER:
            waiting |= Q(grid_id__in=roles.grids_of(user, path=path), state=S.ESCALATED, level__gte=depth)
    return _at_a_glance(Dispute.objects.filter(waiting))


def held_by(user) -> QuerySet[Dispute]:
    """The cases this handler has taken and not yet concluded or returned."""
    return _at_a_glance(Dispute.objects.filter(case_handler=user, state=S.CASE_HANDLING))


def _at_a_glance(qs: QuerySet[Dispute]) -> QuerySet[Dispute]:
    """Soonest deadline first, with why it was escalated and its last few timeline lines.

    A fixed number of queries whatever the page size: the rows with their joins and
    correlated subqueries (last escalation, counts), the paginator's count, and one query for
    the recent events of the whole page (a sliced prefetch: a window function per dispute).
    """
    escalations = DisputeEvent.objects.filter(dispute=OuterRef("pk"), to_state=S.ESCALATED).exclude(
        from_state=S.ESCALATED
    )
    last = escalations.order_by("-at", "-id")
    recent = DisputeEvent.objects.select_related("actor").order_by("-at", "-id")[:HISTORY]
    return (
        qs.select_related("category", "grid__parent", "case_handler")
        .annotate(
            escalation_reason=Subquery(last.values("reason")[:1]),
            escalation_transition=Subquery(last.values("transition")[:1]),
            escalated_at=Subquery(last.values("at")[:1]),
            escalation_count=Subquery(
                escalations.order_by().values("dispute").annotate(n=Count("pk")).values("n")[:1]
            ),
            event_count=Subquery(
                DisputeEvent.objects.filter(dispute=OuterRef("pk"))
                .order_by()
                .values("dispute")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
        )
        .prefetch_related(Prefetch("events", queryset=recent, to_attr="recent_events"))
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )


# --- requests for information ---------------------------------------------------------------
def _locked(dispute_id: int) -> Dispute:
    return Dispute.objects.select_for_update(of=("self",)).select_related("grid").get(pk=dispute_id)


def check_asker(dispute: Dispute, user) -> None:
    """403 unless the user is a case handler of this dispute (who may ask once they hold it)."""
    if not (dispute.is_assigned_handler(user) or dispute.is_case_handler(user)):
        raise ServiceError(_("You may not do this."), code="permission_denied", status=403)


def check_answerer(dispute: Dispute, request_id: int, user) -> InfoRequest:
    """The request if `user` is the party it asks; 404 if it is not this dispute's, else 403."""
    request = InfoRequest.objects.filter(pk=request_id, dispute=dispute).select_related("asked_by").first()
    if request is None:
        raise ServiceError(_("Not found."), code="not_found", status=404)
    is_party = dispute.is_claimant(user) if request.party == "claimant" else dispute.is_respondent(user)
    if not is_party:
        raise ServiceError(
            _("Only the party asked can answer this request."), code="permission_denied", status=403
        )
    return request


def ask_for_information(
    dispute_id: int, *, by: User, party: str, question: str, due_at: datetime
) -> InfoRequest:
    """The case handler holding the case asks one party a question, to answer by `due_at`.

    403 for anyone but a case handler over the dispute; 409 unless they hold the case (state
    case_handling) or when the respondent was never served (they cannot see the dispute).
    Records `info_requested`, notifying that party.
    """
    now = timezone.now()
    if due_at <= now:
        raise ServiceError(_("The deadline must be in the future."), code="invalid", field="due_at")
    if due_at > now + timedelta(days=MAX_ANSWER_DAYS):
        raise ServiceError(
            _("The deadline may be at most %(days)d days away.") % {"days": MAX_ANSWER_DAYS},
            code="invalid",
            field="due_at",
        )
    with transaction.atomic():
        dispute = _locked(dispute_id)
        check_asker(dispute, by)
        if dispute.state != S.CASE_HANDLING or not dispute.is_assigned_handler(by):
            raise ServiceError(
                _("Only the case handler holding the case can ask the parties for information."),
                code="conflict",
                status=409,
            )
        if party == InfoRequest.Party.RESPONDENT and dispute.served_at is None:
            raise ServiceError(
                _("The respondent has not been served yet and cannot see this dispute."),
                code="conflict",
                status=409,
            )
        request = InfoRequest.objects.create(
            dispute=dispute, party=party, question=question, due_at=due_at, asked_by=by, asked_at=now
        )
        asked = party_user(dispute, party)
        # The question stays on the request: the timeline is read by both parties.
        record_event(
            dispute, "info_requested", by,
            payload={"request": request.pk, "party": party, "due_at": due_at.isoformat()},
            notify=[asked] if asked else [],
        )  # fmt: skip
    return request


def answer_information_request(dispute_id: int, request_id: int, *, by: User, answer: str) -> InfoRequest:
    """The party asked answers, once, while the case is being handled.

    404 if the request is not this dispute's; 403 for anyone but that party; 409 once it is
    answered (checked under the dispute's row lock, so two answers cannot both win) or once
    the case has left case handling. A late answer is taken and marked late.
    Records `info_answered`, notifying the handler who asked.
    """
    with transaction.atomic():
        dispute = _locked(dispute_id)
        request = check_answerer(dispute, request_id, by)
        if request.is_answered:
            raise ServiceError(_("This request has already been answered."), code="conflict", status=409)
        if dispute.state != S.CASE_HANDLING:
            raise ServiceError(
                _("The case is no longer being handled; the request is closed."), code="conflict", status=409
            )
        now = timezone.now()
        request.answer, request.answered_by, request.answered_at = answer, by, now
        request.save(update_fields=["answer", "answered_by", "answered_at"])
        record_event(
            dispute, "info_answered", by,
            payload={"request": request.pk, "party": request.party, "late": now > request.due_at},
            notify=[request.asked_by],
        )  # fmt: skip
    return request


def sweep_information_requests(now: datetime | None = None) -> int:
    """Unanswered requests of cases still being handled: remind the party asked once its
    deadline is REMIND_BEFORE away (`info_reminder`), tell the handler who asked once it has
    passed (`info_overdue`). Each step is claimed by a conditional UPDATE, so running twice,
    or twice at once, sends it once; a sweep that comes late skips the reminder. How many
    were recorded."""
    now = now or timezone.now()
    due = InfoRequest.objects.filter(
        Q(overdue_at__isnull=True, due_at__lte=now)
        | Q(reminded_at__isnull=True, due_at__lte=now + REMIND_BEFORE),
        answered_at__isnull=True,
        dispute__state=S.CASE_HANDLING,
    )
    return sum(
        _remind_or_report(request, now) for request in due.order_by("due_at").select_related("asked_by")
    )


def _remind_or_report(request: InfoRequest, now: datetime) -> int:
    unanswered = InfoRequest.objects.filter(pk=request.pk, answered_at__isnull=True)
    payload = {
        "request": request.pk, "party": request.party, "due_at": request.due_at.isoformat(),
        "due": f"{timezone.localtime(request.due_at):%Y-%m-%d %H:%M}",
    }  # fmt: skip
    with transaction.atomic():
        dispute = _locked(request.dispute_id)  # answers and transitions take it too
        if dispute.state != S.CASE_HANDLING:
            return 0
        if request.due_at <= now:
            if not unanswered.filter(overdue_at__isnull=True).update(overdue_at=now):
                return 0
            handlers = {request.asked_by, dispute.case_handler} - {None}  # whoever holds the case now, too
            record_event(dispute, "info_overdue", None, payload=payload, notify=list(handlers))
            return 1
        if not unanswered.filter(reminded_at__isnull=True).update(reminded_at=now):
            return 0
        asked = party_user(dispute, request.party)
        record_event(dispute, "info_reminder", None, payload=payload, notify=[asked] if asked else [])
        return 1


def requests_visible_to(dispute: Dispute, user) -> QuerySet[InfoRequest]:
    """Staff see every request of a dispute they see; a party sees those addressed to them."""
    qs = dispute.info_requests.select_related("asked_by", "answered_by")
    if user.is_superuser or roles.staff_roles(user):
        return qs
    checks = (("claimant", dispute.is_claimant), ("respondent", dispute.is_respondent))
    mine = [party for party, check in checks if check(user)]
    return qs.filter(party__in=mine)


# --- conclude and referrals -----------------------------------------------------------------
def resolve_conclude(dispute: Dispute, by: User | None, payload: dict) -> dict:
    """`referred_to` is recorded on the timeline, not an argument of Dispute.conclude."""
    return {"outcome": payload["outcome"], "note": payload.get("note", "")}


def on_conclude(dispute: Dispute, event: DisputeEvent) -> None:
    """A referral records where it went (`referral_sent`) and tells the parties.

    The letter itself is rendered on request (mediation/dossier.py) from this event.
    """
    if event.payload.get("outcome") not in REFERRALS or not event.payload.get("referred_to"):
        return
    parties = [u for u in (party_user(dispute, "claimant"), party_user(dispute, "respondent")) if u]
    if dispute.served_at is None:
        parties = [u for u in parties if dispute.is_claimant(u)]
    record_event(
        dispute, "referral_sent", event.actor, role=event.actor_role, reason=event.reason,
        payload={"outcome": event.payload["outcome"], "referred_to": event.payload["referred_to"]},
        notify=parties,
    )  # fmt: skip


def referral(dispute: Dispute) -> DisputeEvent | None:
    """The `referral_sent` event of a concluded dispute, if it was referred."""
    if dispute.state != S.CLOSED or dispute.outcome not in REFERRALS:
        return None
    return dispute.events.filter(transition="referral_sent").select_related("actor").order_by("-at").first()


def record_download(dispute: Dispute, by: User, *, document: str, sha256: str, at: datetime) -> DisputeEvent:
    """The audit trail of the case file: who downloaded which document, when, and its hash.

    A timeline event that notifies nobody; the hash identifies a leaked copy.
    """
    with transaction.atomic():
        return record_event(
            Dispute.objects.get(pk=dispute.pk), "dossier_downloaded", by,
            payload={"document": document, "sha256": sha256, "at": at.isoformat()},
        )  # fmt: skip
