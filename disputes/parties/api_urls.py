"""API routes of parties, agents and guardians; included in the `api` namespace."""

from django.urls import path

from . import api

urlpatterns = [
    path("disputes/<int:pk>/parties/", api.PartyListView.as_view(), name="parties"),
    path(
        "disputes/<int:pk>/parties/<int:party_id>/representatives/",
        api.RepresentativeListView.as_view(),
        name="representatives",
    ),
    path(
        "disputes/<int:pk>/representatives/<int:rep_id>/check/",
        api.CheckView.as_view(),
        name="check-representative",
    ),
    path(
        "disputes/<int:pk>/representatives/<int:rep_id>/revoke/",
        api.RevokeView.as_view(),
        name="revoke-representative",
    ),
    path(
        "disputes/<int:pk>/representatives/<int:rep_id>/authorisation/",
        api.AuthorisationDownloadView.as_view(),
        name="authorisation",
    ),
]
