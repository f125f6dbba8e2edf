"""Mediation sessions in person or by phone: scheduling, reminders, change and cancellation,
phone sessions through the telephony backend (docs/features/sessions.md)."""
