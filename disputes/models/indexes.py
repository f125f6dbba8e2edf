"""Indexes of the dispute table kept apart from its long model module."""

from django.db import models

# Related disputes (disputes.related): the newest disputes naming a phone on one side, or at a
# place, with the grid and state in the index so the viewer's scope is checked without reading
# the rows (a property company is the respondent of thousands, a big estate the place of as many).
RELATED = (("claimant_phone_index", "claimant"), ("respondent_phone_index", "respondent"), ("place", "place"))
RELATED_INDEXES = [
    models.Index(fields=[field, "-id"], include=["grid", "state"], name=f"dispute_{name}_recent")
    for field, name in RELATED
]
