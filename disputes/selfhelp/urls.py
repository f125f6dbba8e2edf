"""Self-help pages, namespace `selfhelp` (mounted at /help/)."""

from django.urls import path

from . import views

app_name = "selfhelp"
urlpatterns = [
    path("", views.guides, name="guides"),
    path("walk/<int:pk>/step/<int:step>/", views.step, name="step"),
    path("walk/<int:pk>/outcome/", views.outcome, name="outcome"),
    path("walk/<int:pk>/letters/<slug:key>/", views.letter, name="letter"),
    path("<slug:slug>/", views.guide, name="guide"),
]
