from django.urls import path

from . import case_views

app_name = "cases"
urlpatterns = [
    path("", case_views.cases, name="list"),
    path("<int:pk>/", case_views.case, name="case"),
    path("<int:pk>/info-requests/", case_views.ask, name="ask"),
    path("<int:pk>/actions/<str:name>/", case_views.act, name="act"),
]
