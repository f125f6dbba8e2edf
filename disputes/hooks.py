"""The one seam through which other apps take part in dispute transitions.

`mediation` registers handlers here in its AppConfig.ready(), so `disputes` never imports
`mediation`. Both kinds run inside the transition's transaction, under the row lock:

- RESOLVERS[name](dispute, by, payload) -> dict: turns a validated payload into the
  transition method's arguments (e.g. ranks mediators for assign_mediator); may raise
  config.errors.ServiceError to refuse.
- AFTER_TRANSITION[name]: handler(dispute, event) after the event is recorded.
"""

from collections import defaultdict
from collections.abc import Callable

RESOLVERS: dict[str, Callable] = {}
AFTER_TRANSITION: dict[str, list[Callable]] = defaultdict(list)


def after(*names: str):
    def register(handler: Callable) -> Callable:
        for name in names:
            AFTER_TRANSITION[name].append(handler)
        return handler

    return register
