from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("disputes/", include("disputes.urls")),
    path("mediation/pool/", include("mediation.pool_urls")),
    path("mediation/", include("mediation.urls")),
]

handler404 = "config.views.not_found"
