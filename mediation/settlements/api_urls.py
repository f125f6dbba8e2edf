"""Settlement and judicial-confirmation API routes (docs/api.md), included under the `api`
namespace (no app_name: names stay api:<name>)."""

from django.urls import path

from . import api, held_api, judicial_api, trust_api

urlpatterns = [
    path("disputes/<int:pk>/settlement/", api.SettlementView.as_view(), name="settlement"),
    path("disputes/<int:pk>/settlement/sign-code/", api.SignCodeView.as_view(), name="settlement-sign-code"),
    path(
        "disputes/<int:pk>/settlement/sign/prepare/",
        held_api.PrepareSignView.as_view(),
        name="settlement-sign-prepare",
    ),
    path("disputes/<int:pk>/settlement/pdf/", api.SettlementPdfView.as_view(), name="settlement-pdf"),
    path("verify/", api.VerifyView.as_view(), name="verify"),
    # Revoking a signer certificate (docs/features/trust-services.md).
    path(
        "certificates/<str:serial>/revoke/",
        trust_api.CertificateRevokeView.as_view(),
        name="certificate-revoke",
    ),
    # Judicial confirmation (司法确认) of a sealed settlement.
    path("disputes/<int:pk>/judicial/", judicial_api.JudicialView.as_view(), name="judicial"),
    path(
        "disputes/<int:pk>/judicial/sign-code/",
        judicial_api.JudicialSignCodeView.as_view(),
        name="judicial-sign-code",
    ),
    path("disputes/<int:pk>/judicial/sign/", judicial_api.JudicialSignView.as_view(), name="judicial-sign"),
    path("disputes/<int:pk>/judicial/pdf/", judicial_api.JudicialPdfView.as_view(), name="judicial-pdf"),
    path(
        "disputes/<int:pk>/judicial/outcome/",
        judicial_api.JudicialOutcomeView.as_view(),
        name="judicial-outcome",
    ),
]
