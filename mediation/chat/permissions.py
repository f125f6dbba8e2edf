"""Who may use the chat over HTTP (docs/chat-protocol.md): one class per rule in chat.rooms."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..permissions import Rule
from . import rooms


class UsesChat(Rule):
    """A dispute's chat: its parties and its mediator (rooms.uses_chat); staff get 403."""

    message = _("Only the parties and the mediator use the chat.")

    def allows(self, dispute, user) -> bool:
        return rooms.uses_chat(dispute, user)


class RoomMember(Rule):
    """A room: its members (rooms.role_in); others who see the dispute get 403."""

    message = _("You are not a member of this room.")

    def allows(self, room, user) -> bool:
        return rooms.role_in(room, user) is not None
