"""Dispute pages, namespace `disputes` (mounted at /disputes/): the core's, then the features'."""

from django.urls import include, path

from . import related_views, views
from .parties import urls as parties_urls
from .ratings import urls as ratings_urls
from .sla import urls as sla_urls

app_name = "disputes"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.file_dispute, name="file"),
    path("queue/", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/language/", views.change_language, name="language"),
    path("<int:pk>/grid/", views.set_grid, name="set-grid"),
    path("<int:pk>/evidence/", views.upload_evidence, name="evidence"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
    path("<int:pk>/transitions/<str:name>/", views.transition, name="transition"),
    path("<int:pk>/links/", related_views.link, name="link"),
    path("", include(parties_urls)),
    path("", include(sla_urls)),
    path("", include(ratings_urls)),
]
