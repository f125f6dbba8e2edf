"""A party's answer to a request for information, on the dispute page; mounted at the site's
root with no namespace (the URL name is `info-request-answer`)."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "disputes/<int:pk>/info-requests/<int:request_id>/answer/",
        views.answer,
        name="info-request-answer",
    ),
]
