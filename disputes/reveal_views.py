"""The supervisors' page of reveals (/reveals/): who revealed which field of whom, when, why
(disputes.reveals; docs/personal-data-masking.md)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import reveals

PAGE_SIZE = 50


@login_required
@require_GET
def reveal_list(request):
    if not reveals.may_supervise(request.user):
        raise PermissionDenied
    page = Paginator(reveals.for_supervisor(request.user).order_by("-index"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "disputes/reveals.html", {"page": page, "rows": reveals.rows(list(page.object_list))}
    )
