"""Writes of satisfaction ratings ratings and the supervisor's review of low ones (不满意重办).

Each party rates a settled or closed dispute once (1–5 and a comment). A 1 or 2 opens one
review per dispute for the grid's supervisors, the street-level case handlers over the grid,
who answer in writing within REVIEW_SLA; a review that finds the case handled badly leads
to a follow-up dispute that starts at intake and links back to the original.

Withdrawn and rejected disputes cannot be rated: the claimant ended the first, and the
second was never handled (its rejection carries referral advice instead).

Callers check visibility first (Dispute.objects.visible_to); these functions check who may
act and in which state, under the dispute's row lock, and record the timeline.
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from disputes.models import Dispute, Rating, Review
from disputes.services import record_event
from disputes.sla.deadlines import start_deadline

from .rules import RATEABLE, is_supervisor, low_raters, party_of, rating_parties, review_sla, supervisors


def rate(dispute: Dispute, *, by: User, score: int, comment: str = "", party: int | None = None) -> Rating:
    """Record a party's rating; a low one opens the dispute's review (once per dispute).

    Each party the dispute still concerns rates once, itself or through its agent or guardian
    (rules.rating_parties); `party` chooses for someone who acts for several. 403 for anyone
    but a party (or `party` not theirs), 409 outside settled/closed or once every party of the
    caller has rated (the unique constraint decides a race). The mediator's average is
    updated by listeners of the "rated" event (mediation.ranking), in this transaction.
    """
    if party_of(dispute, by) is None:
        raise ServiceError(_("Only the parties can rate a dispute."), code="permission_denied", status=403)
    try:
        with transaction.atomic():
            dispute = (
                Dispute.objects.select_for_update(of=("self",)).select_related("grid").get(pk=dispute.pk)
            )
            if dispute.state not in RATEABLE:
                raise ServiceError(
                    _("A dispute can be rated once it is settled or closed."), code="conflict", status=409
                )
            prefetch_related_objects([dispute], "parties__representatives", "ratings")
            mine = rating_parties(dispute, by)
            if party is not None:
                mine = [(p, capacity) for p, capacity in mine if p.pk == party]
                if not mine:
                    raise ServiceError(
                        _("You may not rate for this party."), code="permission_denied", status=403
                    )
            rated = {r.dispute_party_id for r in dispute.ratings.all()}
            left = [(p, capacity) for p, capacity in mine if p.pk not in rated]
            if not left:
                raise IntegrityError("already rated")
            rated_for, capacity = left[0]
            rating = Rating.objects.create(
                dispute=dispute, party=rated_for.side, dispute_party=rated_for, by=by, score=score,
                comment=comment, mediator=dispute.mediator,
            )  # fmt: skip
            record_event(
                dispute, "rated", by, role=rated_for.side,
                payload={"score": score, "mediator": dispute.mediator_id,
                         **dispute.act_record(by, rated_for, capacity)},
            )  # fmt: skip
            if rating.is_low and not Review.objects.filter(dispute=dispute).exists():
                _open_review(dispute, rating)
    except IntegrityError as exc:
        raise ServiceError(_("You have already rated this dispute."), code="conflict", status=409) from exc
    return rating


def _open_review(dispute: Dispute, rating: Rating) -> Review:
    now = timezone.now()
    review = Review.objects.create(dispute=dispute, rating=rating, opened_at=now, due_at=now + review_sla())
    record_event(
        dispute, "review_opened", None,
        payload={"review": review.pk, "score": rating.score, "due_at": review.due_at.isoformat()},
        notify=supervisors(dispute),
    )  # fmt: skip
    return review


def answer_review(review: Review, *, by: User, answer: str, finding: str, followup: bool = False) -> Review:
    """The supervisor's written answer, shown to the resident; once.

    With `followup` (only for handled_badly) the follow-up dispute is opened in the same
    transaction. 403 for anyone but a supervisor over the grid, 409 when already answered.
    """
    if not is_supervisor(by, review.dispute):
        raise ServiceError(_("Only the grid's supervisor can answer."), code="permission_denied", status=403)
    if followup and finding != Review.Finding.HANDLED_BADLY:
        raise ServiceError(
            _("A follow-up dispute is opened only when the case was handled badly."),
            code="invalid", field="followup",
        )  # fmt: skip
    with transaction.atomic():
        dispute = (
            Dispute.objects.select_for_update(of=("self",)).select_related("grid").get(pk=review.dispute_id)
        )
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.is_answered:
            raise ServiceError(_("This review has already been answered."), code="conflict", status=409)
        review.answer, review.finding = answer, finding
        review.answered_by, review.answered_at = by, timezone.now()
        review.save()
        record_event(
            dispute, "review_answered", by, role="supervisor", reason=answer,
            payload={"review": review.pk, "finding": finding}, notify=low_raters(dispute),
        )  # fmt: skip
        if followup:
            _open_followup(review, dispute, by)
    return review


def open_followup(review: Review, *, by: User) -> Dispute:
    """Open the follow-up dispute of an answered handled_badly review; once."""
    if not is_supervisor(by, review.dispute):
        raise ServiceError(_("Only the grid's supervisor can answer."), code="permission_denied", status=403)
    with transaction.atomic():
        dispute = (
            Dispute.objects.select_for_update(of=("self",)).select_related("grid").get(pk=review.dispute_id)
        )
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.finding != Review.Finding.HANDLED_BADLY or review.followup_id:
            raise ServiceError(
                _("A follow-up needs an answered review that found the case handled badly, and only one."),
                code="conflict", status=409,
            )  # fmt: skip
        return _open_followup(review, dispute, by)


def _open_followup(review: Review, original: Dispute, by: User) -> Dispute:
    """A new dispute at intake, same parties, grid and category, linked to the original.

    Filed by the supervisor on the claimant's behalf, so it gets a reference, a deadline and
    the `file` event like any filing; the original's timeline, evidence and settlements stay
    reachable through the `follows` link.
    """
    now = timezone.now()
    due_at, sla_next_at = start_deadline(Dispute.State.FILED, now)
    description = _(
        "Follow-up of %(reference)s after a review found it was handled badly.\n\n"
        "Review: %(answer)s\n\nOriginal description:\n%(description)s"
    ) % {"reference": original.reference, "answer": review.answer, "description": original.description}
    followup = Dispute.objects.create(
        title=original.title, description=description[:10000], category_id=original.category_id,
        grid_id=original.grid_id, claimant_name=original.claimant_name, claimant_phone=original.claimant_phone,
        claimant_address=original.claimant_address, respondent_name=original.respondent_name,
        respondent_phone=original.respondent_phone, respondent_email=original.respondent_email,
        respondent_address=original.respondent_address, amount_claimed=original.amount_claimed,
        desired_outcome=original.desired_outcome, filed_by=by, follows=original,
        fingerprint=hashlib.sha256(f"followup:{review.pk}".encode()).hexdigest(),
        created_at=now, due_at=due_at, sla_next_at=sla_next_at,
    )  # fmt: skip
    followup.reference = f"TJ-{timezone.localtime(now):%Y}-{followup.pk:06d}"
    Dispute.objects.filter(pk=followup.pk).update(reference=followup.reference)
    record_event(followup, "file", by, from_state="", role="supervisor", payload={"follows": original.pk})
    review.followup = followup
    review.save(update_fields=["followup"])
    claimant = User.objects.filter(phone_index=original.claimant_phone_index, phone_verified=True).first()
    record_event(
        original, "followup_opened", by, role="supervisor",
        payload={"followup": followup.pk, "reference": followup.reference},
        notify=[claimant] if claimant else [],
    )  # fmt: skip
    return followup
