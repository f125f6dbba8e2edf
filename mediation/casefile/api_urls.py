"""The case file and the referral letter (docs/api.md), included under the `api` namespace
(no app_name: names stay api:<name>)."""

from django.urls import path

from . import api

urlpatterns = [
    path("disputes/<int:pk>/dossier/", api.DossierView.as_view(), name="dossier"),
    path("disputes/<int:pk>/referral-letter/", api.ReferralLetterView.as_view(), name="referral-letter"),
]
