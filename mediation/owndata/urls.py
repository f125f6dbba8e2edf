"""The page of a user's own data, namespace `owndata` (mounted at /my-data/)."""

from django.urls import path

from . import views

app_name = "owndata"
urlpatterns = [path("", views.page, name="page")]
