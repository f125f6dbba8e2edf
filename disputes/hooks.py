"""The one seam through which other apps react to dispute transitions.

`mediation` registers handlers here in its AppConfig.ready() (e.g. open chat rooms on
mediator_accept), so `disputes` never imports `mediation`. Handlers run inside the
transition's transaction, after the event is recorded: `handler(dispute, event)`.
"""

from collections import defaultdict
from collections.abc import Callable

AFTER_TRANSITION: dict[str, list[Callable]] = defaultdict(list)


def after(*names: str):
    def register(handler: Callable) -> Callable:
        for name in names:
            AFTER_TRANSITION[name].append(handler)
        return handler

    return register
