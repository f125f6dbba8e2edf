"""The chat pages. No app_name: mediation/urls.py includes them in the `mediation` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("rooms/<int:room_id>/", views.room, name="room"),
    path("disputes/<int:pk>/chat/", views.dispute_chat, name="dispute-chat"),
]
