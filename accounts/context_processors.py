from accounts.models import StaffRole

from . import text_size
from .roles import has_role


def roles(request):
    """Which menus to show: one cached query per request for staff roles."""
    user = request.user
    return {
        "is_grid_worker": has_role(user, StaffRole.Role.GRID_WORKER),
        "is_mediator": has_role(user, StaffRole.Role.MEDIATOR),
        "is_case_handler": has_role(user, StaffRole.Role.CASE_HANDLER),
    }


def large_text(request):
    """Whether the page renders in large text (a class on <html>, accounts.text_size)."""
    return {"large_text": text_size.is_large(request)}
