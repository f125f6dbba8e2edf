"""Requests for information: a case handler asks a party, the party answers, a sweeper reminds."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from core.errors import ServiceError
from disputes.models import Dispute, InfoRequest
from disputes.services import record_event

from .access import party_user

S = Dispute.State
MAX_ANSWER_DAYS = 60
REMIND_BEFORE = timedelta(days=1)  # an unanswered request's party is reminded this long before its deadline


def _locked(dispute_id: int) -> Dispute:
    return Dispute.objects.select_for_update(of=("self",)).select_related("grid").get(pk=dispute_id)


def may_ask(dispute: Dispute, user) -> bool:
    """A case handler of this dispute (who may ask once they hold it)."""
    return dispute.is_assigned_handler(user) or dispute.is_case_handler(user)


def check_asker(dispute: Dispute, user) -> None:
    """403 unless the user is a case handler of this dispute (may_ask)."""
    if not may_ask(dispute, user):
        raise ServiceError(_("You may not do this."), code="permission_denied", status=403)


def is_party_asked(dispute: Dispute, request: InfoRequest, user) -> bool:
    """Whether `user` is the party this request asks."""
    return dispute.is_claimant(user) if request.party == "claimant" else dispute.is_respondent(user)


def may_answer(dispute: Dispute, request: InfoRequest, user) -> bool:
    """Whether to offer the answer form: the party asked, unanswered, the case still handled (display only)."""
    return (
        dispute.state == S.CASE_HANDLING
        and not request.is_answered
        and is_party_asked(dispute, request, user)
    )


def check_answerer(dispute: Dispute, request_id: int, user) -> InfoRequest:
    """The request if `user` is the party it asks; 404 if it is not this dispute's, else 403."""
    request = InfoRequest.objects.filter(pk=request_id, dispute=dispute).select_related("asked_by").first()
    if request is None:
        raise ServiceError(_("Not found."), code="not_found", status=404)
    if not is_party_asked(dispute, request, user):
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
