"""The call recording controls of the chat page (static/js/recording.js,
docs/features/calls.md): their translated strings and the CSRF token, as JSON."""

from __future__ import annotations

from django import template
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


def recording_texts() -> dict:
    return {
        "title": _("Call recording"),
        "consent": _("I agree to this call being recorded"),
        "waiting": _("Recording needs everyone's agreement (%(n)s of %(total)s agreed)."),
        "allowed": _("Everyone agreed: the mediator may record this call."),
        "withdrawn": _("Someone withdrew their agreement: recording has stopped."),
        "record": pgettext("call recording", "Record"),
        "stop": _("Stop recording"),
        "recording": _("Recording… kept on this device until it is uploaded."),
        "uploading": _("Uploading the recording (%(pct)s%%)…"),
        "offline": _("No connection: the recording is kept here and uploaded when the connection is back."),
        "done": _("Recording saved. SHA-256: %(sha)s"),
        "error": _("The recording could not be saved."),
        "unsupported": _("This browser cannot record calls."),
    }


@register.inclusion_tag("mediation/recordings/controls.html", takes_context=True)
def recording_controls(context, room):
    request = context["request"]
    config = {"room": room.pk, "user": request.user.pk, "csrf": get_token(request), "text": recording_texts()}
    return {"recording_config": config}
