from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from disputes.case_views import answer as answer_info_request
from disputes.cockpit import cockpit

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("disputes/", include("disputes.urls")),
    path("cockpit/", cockpit, name="cockpit"),
    path("mediation/pool/", include("mediation.pool.urls")),
    path("mediation/", include("mediation.urls")),
    path("notifications/", include("notifications.urls")),
    # Public verification and the signing-code page (names `verify`, `settlement-sign-code`).
    path("", include("mediation.settlements.urls")),
    # Case handling (docs/features/casework.md): the workspace, and a party's answer to a request
    # for information.
    path("cases/", include("disputes.case_urls")),
    path(
        "disputes/<int:pk>/info-requests/<int:request_id>/answer/",
        answer_info_request,
        name="info-request-answer",
    ),
]

handler404 = "core.views.not_found"
