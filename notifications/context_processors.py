from django.utils.functional import SimpleLazyObject

from . import services


def unread(request):
    """The unread badge in the header: one COUNT per page, and only if the page shows it."""
    user = request.user
    return {"unread_notifications": SimpleLazyObject(lambda: services.unread_count(user))}
