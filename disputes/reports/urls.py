"""The cockpit page, mounted at the site's root with no namespace (URL name `cockpit`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("cockpit/", views.cockpit, name="cockpit"),
    path("cockpit/alerts/<int:pk>/", views.risk_alert, name="risk-alert"),
    path("cockpit/alerts/<int:pk>/acknowledge/", views.acknowledge_alert, name="risk-alert-acknowledge"),
]
