"""The mediator pool: ranking, assignment, recusal, availability and caseloads
(docs/features/assignment.md)."""
