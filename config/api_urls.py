"""The API root, /api/v1/ (namespace `api`): the schema and docs, then each package's routes.

Every package owns its API URL module (no app_name, so names stay `api:<name>`); this file only
includes them (docs/api.md).
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include("accounts.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("disputes.api_urls")),
    path("", include("disputes.parties.api_urls")),
    path("", include("disputes.sla.api_urls")),
    path("", include("disputes.casework.api_urls")),
    path("", include("disputes.ratings.api_urls")),
    path("", include("disputes.reports.api_urls")),
    path("", include("disputes.selfhelp.api_urls")),
    path("", include("mediation.pool.api_urls")),
    path("", include("mediation.chat.api_urls")),
    path("", include("mediation.recordings.api_urls")),
    path("", include("mediation.sessions.api_urls")),
    path("", include("mediation.settlements.api_urls")),
    path("", include("mediation.casefile.api_urls")),
    path("", include("mediation.minutes.api_urls")),
    path("", include("mediation.privacy.api_urls")),
    path("", include("mediation.owndata.api_urls")),
]
