"""mediation's pages in the `mediation` namespace, mounted at mediation/: the chat pages and
the judicial-confirmation pages (the pool has its own, mediation/pool/urls.py)."""

from django.urls import include, path

app_name = "mediation"
urlpatterns = [
    path("", include("mediation.chat.urls")),
    path("", include("mediation.settlements.judicial_urls")),
]
