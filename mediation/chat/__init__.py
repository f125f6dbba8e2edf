"""Mediation chat (docs/features/chat.md, docs/chat-protocol.md): rooms and membership
(rooms), frames, the message store with group commit (store), socket re-checks (access),
tickets, presence, the consumer, the REST fallback (api) and the chat page (views)."""
