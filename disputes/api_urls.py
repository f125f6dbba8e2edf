"""API routes of the disputes core; included in the `api` namespace (no app_name here)."""

from django.urls import path

from . import api, related_api

urlpatterns = [
    path("categories/", api.CategoryListView.as_view(), name="categories"),
    path("disputes/", api.DisputeListView.as_view(), name="disputes"),
    path("disputes/<int:pk>/", api.DisputeDetailView.as_view(), name="dispute"),
    path("disputes/<int:pk>/transitions/<str:name>/", api.TransitionView.as_view(), name="transition"),
    path("disputes/<int:pk>/language/", api.LanguageView.as_view(), name="dispute-language"),
    path("disputes/<int:pk>/grid/", api.SetGridView.as_view(), name="dispute-grid"),
    path("disputes/<int:pk>/events/", api.EventListView.as_view(), name="events"),
    path("disputes/<int:pk>/related/", related_api.RelatedView.as_view(), name="related"),
    path("disputes/<int:pk>/links/", related_api.LinkView.as_view(), name="links"),
    path("disputes/<int:pk>/evidence/", api.EvidenceView.as_view(), name="evidence"),
    path(
        "disputes/<int:pk>/evidence/<int:evidence_id>/download/",
        api.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
    path("queue/", api.QueueView.as_view(), name="queue"),
    path("disputes/<int:pk>/reveal/", api.RevealView.as_view(), name="reveal"),
    path("reveals/", api.RevealListView.as_view(), name="reveals"),
]
