from django.urls import path

from . import judicial_views, views

app_name = "mediation"
urlpatterns = [
    path("rooms/<int:room_id>/", views.room, name="room"),
    path("disputes/<int:pk>/chat/", views.dispute_chat, name="dispute-chat"),
    path("disputes/<int:pk>/judicial/start/", judicial_views.start, name="judicial-start"),
    path("disputes/<int:pk>/judicial/sign-code/", judicial_views.send_sign_code, name="judicial-sign-code"),
    path("disputes/<int:pk>/judicial/sign/", judicial_views.sign, name="judicial-sign"),
    path("disputes/<int:pk>/judicial/outcome/", judicial_views.record_outcome, name="judicial-outcome"),
]
