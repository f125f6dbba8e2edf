"""Video and voice calls in a chat room (docs/chat-protocol.md, "Calls"; docs/features/calls.md)."""
