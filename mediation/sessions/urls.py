"""Session pages at the site's root, without a namespace (docs/features/sessions.md)."""

from django.urls import path

from . import views

urlpatterns = [
    path("sessions/<int:pk>/", views.session_page, name="session"),
    path("sessions/<int:pk>/change/", views.change, name="session-change"),
    path("sessions/<int:pk>/cancel/", views.cancel, name="session-cancel"),
    path("sessions/<int:pk>/dial/", views.dial, name="session-dial"),
    path("disputes/<int:pk>/sessions/new/", views.schedule, name="session-schedule"),
]
