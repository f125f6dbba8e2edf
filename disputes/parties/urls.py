"""Dispute page routes for parties, agents and guardians; included in the `disputes` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/parties/", views.add_party, name="add-party"),
    path("<int:pk>/representatives/", views.add_representative, name="add-representative"),
    path(
        "<int:pk>/representatives/<int:rep_id>/check/",
        views.check_representative,
        name="check-representative",
    ),
    path(
        "<int:pk>/representatives/<int:rep_id>/revoke/",
        views.revoke_representative,
        name="revoke-representative",
    ),
]
