from django.urls import path

from . import views

app_name = "disputes"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.file_dispute, name="file"),
    path("queue/", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/evidence/", views.upload_evidence, name="evidence"),
    path("<int:pk>/transitions/<str:name>/", views.transition, name="transition"),
]
