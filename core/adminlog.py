"""Changes made in the Django admin, in the audit log (docs/personal-data-audit.md).

Every admin site writes a LogEntry for each addition, change and deletion; one receiver on
its save covers all of them (users, staff roles, regions, third-party models alike) and copies
the model, the object id and the changed field names (never their values). A deletion of
several objects by the admin action writes its LogEntries with bulk_create, which sends no
signal: `delete_selected` below records those instead.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.contrib.admin import actions
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import translation

from . import audit
from .models import AuditEntry

OPS = {ADDITION: "add", CHANGE: "change", DELETION: "delete"}


def _field_names(model, labels: list[str]) -> list[str]:
    """The model's field names for the labels the admin's change message lists (capitalised
    English labels, as the admin writes them); a label no model field carries is kept."""
    if model is None:
        return sorted(labels)
    with translation.override(None):
        by_label = {
            str(getattr(f, "verbose_name", "") or f.name).lower(): f.name for f in model._meta.get_fields()
        }
    return sorted(by_label.get(str(label).lower(), label) for label in labels)


def _changes(entry: LogEntry, model) -> dict:
    try:
        message = json.loads(entry.change_message or "[]")
    except ValueError:
        message = []
    fields, related = [], []
    for part in message if isinstance(message, list) else []:
        for kind, detail in part.items() if isinstance(part, dict) else []:
            if kind == "changed" and "name" not in detail:
                fields += _field_names(model, detail.get("fields", []))
            elif isinstance(detail, dict) and "name" in detail:  # an inline row: its model, not its text
                related.append({"op": kind, "model": str(detail["name"]), "fields": detail.get("fields", [])})
    return {"fields": fields, "related": related} if (fields or related) else {}


@receiver(post_save, sender=LogEntry, dispatch_uid="core.audit_admin_change")
def record_admin_change(sender, instance: LogEntry, created: bool, **kwargs):
    if not created:
        return
    ct = instance.content_type
    model = ct.model_class() if ct else None
    label = f"{ct.app_label}.{ct.model}" if ct else ""
    audit.record(
        AuditEntry.Action.ADMIN_CHANGE,
        actor=instance.user,
        target=f"{label}:{instance.object_id}",
        data={"op": OPS.get(instance.action_flag, str(instance.action_flag)), "model": label,
              "object_id": instance.object_id, **_changes(instance, model)},
    )  # fmt: skip


@admin.action(permissions=["delete"], description=actions.delete_selected.short_description)
def delete_selected(modeladmin, request, queryset):
    """Django's bulk delete action; a deletion of several objects is recorded here (one entry),
    a single one by the LogEntry receiver."""
    ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
    response = actions.delete_selected(modeladmin, request, queryset)
    if response is None and len(ids) > 1:  # None: deleted (otherwise the confirmation page)
        label = modeladmin.model._meta.label_lower
        audit.record(
            AuditEntry.Action.ADMIN_CHANGE, actor=request.user, target=f"{label}:{len(ids)} objects",
            data={"op": "delete", "model": label, "object_ids": ids[:500], "count": len(ids)},
        )  # fmt: skip
    return response
