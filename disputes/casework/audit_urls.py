"""The audit log page for case handlers, mounted at /audit/ (disputes.casework.audit)."""

from django.urls import path

from . import audit

app_name = "audit"
urlpatterns = [path("", audit.audit_log, name="log")]
