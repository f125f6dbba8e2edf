"""What the dispute page's "read aloud" button says (docs/features/accessibility.md): the title,
the state, what the reader can do now, and the deadline, in the page's language."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


@register.simple_tag
def read_aloud_summary(dispute, actions=None) -> str:
    parts = [
        _("Dispute: %(title)s.") % {"title": dispute.title},
        _("State: %(state)s.") % {"state": dispute.get_state_display()},
    ]
    if actions:
        parts.append(
            _("What you can do now: %(actions)s.")
            % {"actions": pgettext("list separator", ", ").join(str(action["label"]) for action in actions)}
        )
    elif not dispute.is_terminal:
        parts.append(_("Nothing is asked of you now: we will tell you when the next step comes."))
    if dispute.due_at and not dispute.is_terminal:
        when = date_format(timezone.localtime(dispute.due_at), "Y-m-d H:i")
        if dispute.due_at < timezone.now():
            parts.append(_("The deadline, %(when)s, has passed.") % {"when": when})
        else:
            parts.append(_("Deadline: %(when)s.") % {"when": when})
    return " ".join(parts)
