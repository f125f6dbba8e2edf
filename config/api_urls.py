from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from mediation import api as mediation_api

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include("accounts.api_urls")),
    path("", include("notifications.api_urls")),
    # The disputes core and its feature packages (each module self-contained, no app_name).
    path("", include("disputes.api_urls")),
    path("", include("disputes.sla.api_urls")),
]

urlpatterns += [
    path("disputes/<int:pk>/candidates/", mediation_api.CandidatesView.as_view(), name="candidates"),
    path("disputes/<int:pk>/assignments/", mediation_api.AssignmentsView.as_view(), name="assignments"),
    path("disputes/<int:pk>/recusals/", mediation_api.RecusalListView.as_view(), name="recusals"),
    path(
        "disputes/<int:pk>/recusals/<int:recusal_id>/decision/",
        mediation_api.RecusalDecisionView.as_view(),
        name="recusal-decision",
    ),
    path("mediators/me/availability/", mediation_api.MyAvailabilityView.as_view(), name="my-availability"),
]

# Mediation chat (docs/chat-protocol.md): rooms, history and the send fallback, websocket tickets.
from mediation import chat_api  # noqa: E402

urlpatterns += [
    path("disputes/<int:pk>/rooms/", chat_api.DisputeRoomsView.as_view(), name="rooms"),
    path("rooms/<int:room_id>/messages/", chat_api.RoomMessagesView.as_view(), name="room-messages"),
    path("ws-tickets/", chat_api.WsTicketView.as_view(), name="ws-tickets"),
]

# Settlement agreements (docs/features/settlements.md): the current version and signing codes.
from mediation import settlement_api  # noqa: E402

urlpatterns += [
    path("disputes/<int:pk>/settlement/", settlement_api.SettlementView.as_view(), name="settlement"),
    path(
        "disputes/<int:pk>/settlement/sign-code/",
        settlement_api.SignCodeView.as_view(),
        name="settlement-sign-code",
    ),
    path(
        "disputes/<int:pk>/settlement/pdf/", settlement_api.SettlementPdfView.as_view(), name="settlement-pdf"
    ),
    path("verify/", settlement_api.VerifyView.as_view(), name="verify"),
]

# Case handling (docs/features/casework.md): requests for information, the case file and the referral letter.
from mediation import dossier_api  # noqa: E402

urlpatterns += [
    path("", include("disputes.casework.api_urls")),
    path("disputes/<int:pk>/dossier/", dossier_api.DossierView.as_view(), name="dossier"),
    path(
        "disputes/<int:pk>/referral-letter/", dossier_api.ReferralLetterView.as_view(), name="referral-letter"
    ),
]

# Satisfaction ratings, supervisor reviews, the cockpit's figures and list exports.
urlpatterns += [
    path("", include("disputes.ratings.api_urls")),
    path("", include("disputes.reports.api_urls")),
]

# Judicial confirmation (司法确认) of a sealed settlement.
from mediation import judicial_api  # noqa: E402

urlpatterns += [
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
