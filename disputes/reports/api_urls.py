"""API routes of the reports; included in the `api` namespace (no app_name here)."""

from django.urls import path

from . import api

urlpatterns = [
    path("stats/", api.StatsView.as_view(), name="stats"),
    path("risk-alerts/", api.RiskAlertsView.as_view(), name="risk-alerts"),
    path("disputes/export/", api.ExportView.as_view(), name="disputes-export"),
    path("disputes/export/research/", api.ResearchExportView.as_view(), name="research-export"),
    path("queue/export/", api.ExportView.as_view(queue=True), name="queue-export"),
]
