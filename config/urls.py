"""The site's pages: each app or feature package owns its URL module; this file only includes them."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    path("accounts/delete/", include("mediation.privacy.urls")),
    path("accounts/", include("accounts.urls")),
    path("privacy/", include("accounts.privacy_urls")),
    # A resident's own data, as a page and as JSON (docs/personal-data-rights.md).
    path("my-data/", include("mediation.owndata.urls")),
    path("disputes/", include("disputes.urls")),
    path("help/", include("disputes.selfhelp.urls")),
    path("cases/", include("disputes.casework.urls")),
    path("audit/", include("disputes.casework.audit_urls")),
    # Pages at the site's root without a namespace: the cockpit, the reveals, a party's answer to a request
    # for information, public verification and the signing-code page.
    path("", include("disputes.reports.urls")),
    path("", include("disputes.reveal_urls")),
    path("", include("disputes.casework.party_urls")),
    path("", include("mediation.settlements.urls")),
    path("", include("mediation.sessions.urls")),
    path("sessions/", include("mediation.minutes.urls")),
    path("mediation/pool/", include("mediation.pool.urls")),
    path("mediation/", include("mediation.urls")),
    path("notifications/", include("notifications.urls")),
]

handler404 = "core.views.not_found"
