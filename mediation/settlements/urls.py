"""Settlement pages at the site's root, without a namespace (names `verify`,
`settlement-sign-code`): public verification and asking for a signing code."""

from django.urls import path

from . import views

urlpatterns = [
    path("verify/<str:code>/", views.verify_page, name="verify"),
    path("disputes/<int:pk>/settlement/sign-code/", views.send_sign_code, name="settlement-sign-code"),
]
