"""Parties beyond the first two: adding parties, agents and guardians and checking their
authorisations (docs/features/parties.md)."""
