"""The chat's part in the rest of the system (registered by MediationConfig.ready): rooms open
when the mediator accepts, sockets re-check after every transition, and close on logout or
deactivation (docs/chat-protocol.md)."""

from __future__ import annotations

from disputes.models import Dispute, DisputeParty, Representative

from .realtime import close_user_sockets_on_commit, recheck_rooms_on_commit
from .rooms import NOT_AUTHENTICATED, WRITABLE_STATES, caucus_for, create_rooms, lock_rooms


def on_transition(dispute: Dispute, event) -> None:
    """After any transition, inside its transaction: open the rooms when the mediator
    accepts; lock the rooms (so no message lands after a change of members or state) and
    have their sockets re-check access and writability once this commits."""
    if event.transition == "mediator_accept":
        create_rooms(dispute)
    room_ids = lock_rooms(dispute)
    if dispute.state not in WRITABLE_STATES:  # a read-only room has no live call (docs/features/calls.md)
        from ..calls.service import end_in_rooms

        end_in_rooms(room_ids)
    recheck_rooms_on_commit(room_ids)


def on_party_saved(sender, instance, created, **kwargs) -> None:
    """A party added once the rooms exist gets its caucus; any change of a party (an answer,
    a withdrawal) has its dispute's sockets re-check their access after commit."""
    from ..models import Room

    room_ids = list(Room.objects.filter(dispute_id=instance.dispute_id).values_list("pk", flat=True))
    if not room_ids:
        return
    if instance.takes_part:
        room_ids.append(caucus_for(instance).pk)
    recheck_rooms_on_commit(sorted(set(room_ids)))


def on_representative_saved(sender, instance, **kwargs) -> None:
    """An agent or guardian approved, rejected or revoked: the dispute's sockets re-check
    their access after commit (a revoked one's sockets close with 4403)."""
    from ..models import Room

    room_ids = list(Room.objects.filter(dispute__parties=instance.party_id).values_list("pk", flat=True))
    if room_ids:
        recheck_rooms_on_commit(room_ids)


def on_logout(sender, request, user, **kwargs) -> None:
    """Channels reads the session only at connect: close the user's sockets now."""
    if user is not None:
        close_user_sockets_on_commit(user.pk, NOT_AUTHENTICATED)


def on_user_saved(sender, instance, **kwargs) -> None:
    if not instance.is_active:
        close_user_sockets_on_commit(instance.pk, NOT_AUTHENTICATED)


def register() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_out
    from django.db.models.signals import post_save

    from disputes import hooks
    from disputes.models import TRANSITIONS

    hooks.after(*sorted(TRANSITIONS))(on_transition)
    user_logged_out.connect(on_logout, dispatch_uid="chat-logout")
    post_save.connect(on_user_saved, sender=get_user_model(), dispatch_uid="chat-deactivation")
    post_save.connect(on_party_saved, sender=DisputeParty, dispatch_uid="chat-party")
    post_save.connect(on_representative_saved, sender=Representative, dispatch_uid="chat-representative")
