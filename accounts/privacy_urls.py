"""The privacy notice page, namespace `privacy` (mounted at /privacy/)."""

from django.urls import path

from . import privacy_views

app_name = "privacy"
urlpatterns = [path("", privacy_views.notice, name="notice")]
