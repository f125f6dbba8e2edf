"""The minutes pages, mounted at sessions/ (the session page itself belongs to scheduling)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:session_id>/minutes/", views.minutes_page, name="session-minutes"),
    path("<int:session_id>/minutes/finalise/", views.finalise, name="session-minutes-finalise"),
    path("<int:session_id>/minutes/confirm-code/", views.confirm_code, name="session-minutes-confirm-code"),
    path("<int:session_id>/minutes/confirm/", views.confirm, name="session-minutes-confirm"),
]
