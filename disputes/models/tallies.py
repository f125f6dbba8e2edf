"""Derived counts for the cockpit (docs/features/cockpit.md), kept by database triggers
(disputes.reports.tallies, installed by migration 0010)."""

from django.db import models


class Tally(models.Model):
    """How many disputes of a grid and category, filed in a month, are in each state now.

    Derived data for the cockpit (disputes.reports.stats), kept by database triggers on the dispute
    table (installed by migration 0010_cockpit_tallies, read by disputes.reports.tallies): every INSERT, UPDATE and DELETE of a
    dispute, whatever path it takes, moves its count in the same transaction. `month` is the
    first day of the filing month in the site's time zone.
    """

    grid_id = models.BigIntegerField()
    category_id = models.BigIntegerField()
    month = models.DateField()
    state = models.CharField(max_length=30)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grid_id", "month", "category_id", "state"], name="tally_key"),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.month:%Y-%m} {self.category_id} {self.state}: {self.n}"


class SettlementTally(models.Model):
    """How many settled disputes of a grid and category, filed in a month, took `days` whole
    days (24 hours each) from filing to settlement. Kept like Tally; read for the settled count
    and the median time to settle."""

    grid_id = models.BigIntegerField()
    category_id = models.BigIntegerField()
    month = models.DateField()
    days = models.IntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grid_id", "month", "category_id", "days"], name="settlement_tally_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.month:%Y-%m} {self.category_id} {self.days} days: {self.n}"
