from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from mediation.settlement_views import send_sign_code, verify_page

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("disputes/", include("disputes.urls")),
    path("", include("disputes.reports.urls")),
    path("mediation/pool/", include("mediation.pool_urls")),
    path("mediation/", include("mediation.urls")),
    path("notifications/", include("notifications.urls")),
    path("verify/<str:code>/", verify_page, name="verify"),
    path("disputes/<int:pk>/settlement/sign-code/", send_sign_code, name="settlement-sign-code"),
    # Case handling (docs/features/casework.md): the workspace, and a party's answer to a request.
    path("cases/", include("disputes.casework.urls")),
    path("", include("disputes.casework.party_urls")),
]

handler404 = "core.views.not_found"
