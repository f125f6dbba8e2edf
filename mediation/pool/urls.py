from django.urls import path

from . import pool_views

app_name = "mediation-pool"
urlpatterns = [
    path("caseload/", pool_views.caseload, name="caseload"),
    path("disputes/<int:pk>/recusal/", pool_views.request_recusal, name="recusal"),
    path(
        "disputes/<int:pk>/recusal/<int:recusal_id>/decision/",
        pool_views.decide_recusal,
        name="recusal-decision",
    ),
]
