"""Page routes of the SLA package; included by disputes/urls.py in the `disputes` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/home-visit/", views.record_home_visit, name="home-visit"),
]
