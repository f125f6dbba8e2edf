from django.urls import path

from . import views

app_name = "mediation"
urlpatterns = [
    path("rooms/<int:room_id>/", views.room, name="room"),
    path("disputes/<int:pk>/chat/", views.dispute_chat, name="dispute-chat"),
]
