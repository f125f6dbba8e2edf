"""The pool's pages, mounted at mediation/pool/ in the `mediation-pool` namespace."""

from django.urls import path

from . import views

app_name = "mediation-pool"
urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("disputes/<int:pk>/recusal/", views.request_recusal, name="recusal"),
    path(
        "disputes/<int:pk>/recusal/<int:recusal_id>/decision/",
        views.decide_recusal,
        name="recusal-decision",
    ),
]
