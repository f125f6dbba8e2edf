"""Judicial confirmation pages. No app_name: mediation/urls.py includes them in the
`mediation` namespace (mediation:judicial-start, ...)."""

from django.urls import path

from . import judicial_views

urlpatterns = [
    path("disputes/<int:pk>/judicial/start/", judicial_views.start, name="judicial-start"),
    path("disputes/<int:pk>/judicial/sign-code/", judicial_views.send_sign_code, name="judicial-sign-code"),
    path("disputes/<int:pk>/judicial/sign/", judicial_views.sign, name="judicial-sign"),
    path("disputes/<int:pk>/judicial/outcome/", judicial_views.record_outcome, name="judicial-outcome"),
]
