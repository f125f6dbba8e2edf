from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts import api as accounts_api
from disputes import api as disputes_api

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("auth/register/", accounts_api.RegisterView.as_view(), name="register"),
    path("auth/send-code/", accounts_api.SendCodeView.as_view(), name="send-code"),
    path("auth/verify-phone/", accounts_api.VerifyPhoneView.as_view(), name="verify-phone"),
    path("auth/token/", accounts_api.TokenView.as_view(), name="token"),
    path("auth/me/", accounts_api.MeView.as_view(), name="me"),
    path("regions/", accounts_api.RegionListView.as_view(), name="regions"),
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

# The mediator pool, the chat (docs/chat-protocol.md), settlement agreements and their
# judicial confirmation (docs/features/settlements.md): each package's own routes.
urlpatterns += [
    path("", include("mediation.pool.api_urls")),
    path("", include("mediation.chat.api_urls")),
    path("", include("mediation.settlements.api_urls")),
]

# Case handling (docs/features/casework.md): requests for information, the case file and the referral letter.
from disputes import case_api  # noqa: E402

urlpatterns += [
    path("disputes/<int:pk>/info-requests/", case_api.InfoRequestListView.as_view(), name="info-requests"),
    path(
        "disputes/<int:pk>/info-requests/<int:request_id>/answer/",
        case_api.InfoAnswerView.as_view(),
        name="info-request-answer",
    ),
    path("", include("mediation.casefile.api_urls")),
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

# Notifications (docs/features/notifications.md): the in-app inbox and channel preferences.
from notifications import api as notifications_api  # noqa: E402

urlpatterns += [
    path("notifications/", notifications_api.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        notifications_api.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path(
        "notifications/read-all/",
        notifications_api.NotificationReadAllView.as_view(),
        name="notifications-read-all",
    ),
    path(
        "notifications/preferences/",
        notifications_api.PreferenceView.as_view(),
        name="notification-preferences",
    ),
]
