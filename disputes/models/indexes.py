"""Indexes of the dispute table kept apart from its long model module."""

from django.db import models

# Related disputes (disputes.related): the newest disputes naming a phone on one side, with the
# grid and state in the index so the viewer's scope is checked without reading the rows (a
# property company or a landlord is the respondent of thousands).
PHONE_INDEXES = [
    models.Index(
        fields=[f"{side}_phone_index", "-id"], include=["grid", "state"], name=f"dispute_{side}_recent"
    )
    for side in ("claimant", "respondent")
]
