"""The audit log for case handlers: entries naming the disputes of their region subtree
(superusers: all entries; they also have the admin). docs/personal-data-audit.md, "Who reads it"."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import roles
from accounts.models import StaffRole
from core.models import AuditEntry
from disputes.models import Dispute

PAGE_SIZE = 50


def entries_for(user):
    """The entries this user may read, newest first."""
    entries = AuditEntry.objects.order_by("-index")
    if user.is_superuser:
        return entries
    grids = roles.grids_of(user, StaffRole.Role.CASE_HANDLER)
    return entries.filter(dispute_id__in=Dispute.objects.filter(grid_id__in=grids).values("pk"))


@require_GET
@login_required
def audit_log(request):
    user = request.user
    if not (user.is_superuser or roles.has_role(user, StaffRole.Role.CASE_HANDLER)):
        raise PermissionDenied
    entries = entries_for(user)
    action = request.GET.get("action", "")
    if action in AuditEntry.Action.values:
        entries = entries.filter(action=action)
    # NUL cannot reach PostgreSQL; no reference holds one (docs/security.md, the battery).
    reference = request.GET.get("dispute", "").replace("\x00", "").strip()[:40]
    if reference:
        entries = entries.filter(dispute_id__in=Dispute.objects.filter(reference=reference).values("pk"))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    references = dict(
        Dispute.objects.filter(pk__in={e.dispute_id for e in page if e.dispute_id}).values_list(
            "pk", "reference"
        )
    )
    for entry in page:
        entry.reference = references.get(entry.dispute_id, "")
    context = {
        "page": page, "actions": AuditEntry.Action.choices, "action": action, "reference": reference,
        "show_ip": user.is_superuser,
    }  # fmt: skip
    return render(request, "disputes/case/audit.html", context)
