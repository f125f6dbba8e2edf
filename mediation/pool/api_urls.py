"""The pool's API routes, included under the `api` namespace (no app_name: names stay api:<name>)."""

from django.urls import path

from . import api

urlpatterns = [
    path("disputes/<int:pk>/candidates/", api.CandidatesView.as_view(), name="candidates"),
    path("disputes/<int:pk>/assignments/", api.AssignmentsView.as_view(), name="assignments"),
    path("disputes/<int:pk>/recusals/", api.RecusalListView.as_view(), name="recusals"),
    path(
        "disputes/<int:pk>/recusals/<int:recusal_id>/decision/",
        api.RecusalDecisionView.as_view(),
        name="recusal-decision",
    ),
    path("mediators/me/availability/", api.MyAvailabilityView.as_view(), name="my-availability"),
]
