"""The account-deletion page, mounted at accounts/delete/ (namespace `privacy`)."""

from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("", views.delete_account, name="delete-account"),
]
