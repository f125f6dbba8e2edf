"""The case handler's workspace pages, namespace `cases` (mounted at /cases/)."""

from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.cases, name="list"),
    path("<int:pk>/", views.case, name="case"),
    path("<int:pk>/info-requests/", views.ask, name="ask"),
    path("<int:pk>/actions/<str:name>/", views.act, name="act"),
]
