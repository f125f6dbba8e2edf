from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from disputes import api as disputes_api
from mediation import api as mediation_api

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include("accounts.api_urls")),
    path("", include("notifications.api_urls")),
    path("categories/", disputes_api.CategoryListView.as_view(), name="categories"),
    path("disputes/", disputes_api.DisputeListView.as_view(), name="disputes"),
    path("disputes/<int:pk>/", disputes_api.DisputeDetailView.as_view(), name="dispute"),
    path(
        "disputes/<int:pk>/transitions/<str:name>/", disputes_api.TransitionView.as_view(), name="transition"
    ),
    path("disputes/<int:pk>/events/", disputes_api.EventListView.as_view(), name="events"),
    path("disputes/<int:pk>/evidence/", disputes_api.EvidenceView.as_view(), name="evidence"),
    path(
        "disputes/<int:pk>/evidence/<int:evidence_id>/download/",
        disputes_api.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
    path("queue/", disputes_api.QueueView.as_view(), name="queue"),
    path("disputes/<int:pk>/home-visit/", disputes_api.HomeVisitView.as_view(), name="home-visit"),
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

# Case handling: requests for information, the case file and the referral letter.
from disputes import case_api  # noqa: E402
from mediation import dossier_api  # noqa: E402

urlpatterns += [
    path("disputes/<int:pk>/info-requests/", case_api.InfoRequestListView.as_view(), name="info-requests"),
    path(
        "disputes/<int:pk>/info-requests/<int:request_id>/answer/",
        case_api.InfoAnswerView.as_view(),
        name="info-request-answer",
    ),
    path("disputes/<int:pk>/dossier/", dossier_api.DossierView.as_view(), name="dossier"),
    path(
        "disputes/<int:pk>/referral-letter/", dossier_api.ReferralLetterView.as_view(), name="referral-letter"
    ),
]

# Satisfaction ratings, supervisor reviews, the cockpit's figures and list exports.
from disputes import cockpit, rating_views  # noqa: E402

urlpatterns += [
    path("disputes/<int:pk>/rating/", rating_views.RatingView.as_view(), name="rating"),
    path("reviews/", rating_views.ReviewListView.as_view(), name="reviews"),
    path("reviews/<int:review_id>/answer/", rating_views.ReviewAnswerView.as_view(), name="review-answer"),
    path(
        "reviews/<int:review_id>/followup/", rating_views.ReviewFollowupView.as_view(), name="review-followup"
    ),
    path("stats/", cockpit.StatsView.as_view(), name="stats"),
    path("disputes/export/", cockpit.ExportView.as_view(), name="disputes-export"),
    path("queue/export/", cockpit.ExportView.as_view(queue=True), name="queue-export"),
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
