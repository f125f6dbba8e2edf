"""API routes of the in-app inbox and channel preferences (included under /api/v1/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="notifications"),
    path("notifications/<int:pk>/read/", api.NotificationReadView.as_view(), name="notification-read"),
    path("notifications/read-all/", api.NotificationReadAllView.as_view(), name="notifications-read-all"),
    path("notifications/preferences/", api.PreferenceView.as_view(), name="notification-preferences"),
]
