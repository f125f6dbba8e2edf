"""The account-deletion page, mounted at accounts/delete/ (namespace `account_deletion`)."""

from django.urls import path

from . import views

app_name = "account_deletion"
urlpatterns = [
    path("", views.delete_account, name="delete-account"),
]
