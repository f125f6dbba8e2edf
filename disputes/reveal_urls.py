"""The reveals page, mounted at the site's root with no namespace (URL name `reveals`)."""

from django.urls import path

from . import reveal_views

urlpatterns = [
    path("reveals/", reveal_views.reveal_list, name="reveals"),
]
