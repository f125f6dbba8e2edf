"""The one seam through which other apps take part in dispute transitions.

`mediation` registers handlers here in its AppConfig.ready(), so `disputes` never imports
`mediation`. Both kinds run inside the transition's transaction, under the row lock:

- RESOLVERS[name](dispute, by, payload) -> dict: turns a validated payload into the
  transition method's arguments (e.g. ranks mediators for assign_mediator); may raise
  core.errors.ServiceError to refuse.
- AFTER_TRANSITION[name]: handler(dispute, event) after the event is recorded, in the order
  of PHASES, then of registration: "database" handlers only write rows; "files" handlers also
  store files outside the database, so they run last and nothing after them can roll back the
  transaction and leave a file behind.

PRECHECKS[name](dispute_id, by, payload) runs *before* that transaction, in its own: what
it writes survives a refusal (e.g. a wrong signing code counts as an attempt). It may raise
core.errors.ServiceError to refuse.

OFFER[name](dispute, user) -> bool narrows which available transitions are offered to a
user (buttons, `available_transitions`), e.g. `sign` only to the signer whose turn it is.
Display only: fire() and the resolvers decide.

CHOICES[field](dispute) -> [(value, label)]: the choices a payload field offers on the
dispute page (e.g. the mediators who may be assigned), from the app that owns the rule.

ON_EVENT: handler(event, notify) for every timeline event (services.record_event), inside
the transaction that records it (mediation's ranking counts ratings here). Who is told of
the event is decided afterwards by disputes.notices.

QUEUE[name](user) -> Q: more disputes that wait for `user`'s action, from another app's
records (mediation: a recusal request for the grid workers to decide). selectors.queue_for
adds them to the queue and marks each row with `waits_<name>` (the queue API's `waits_for`).

DEMO: seeder() callables that `seed_demo` runs after its disputes exist, in its transaction,
for another app's demo records (mediation: scheduled sessions). Each is idempotent.

Payload keys in SECRET_KEYS are never recorded on the timeline.
"""

from collections import defaultdict
from collections.abc import Callable

RESOLVERS: dict[str, Callable] = {}
PRECHECKS: dict[str, Callable] = {}
OFFER: dict[str, Callable] = {}
CHOICES: dict[str, Callable] = {}
QUEUE: dict[str, Callable] = {}
SECRET_KEYS = {"code"}
PHASES = ("database", "files")
AFTER_TRANSITION: dict[str, list[tuple[int, Callable]]] = defaultdict(list)
ON_EVENT: list[Callable] = []
DEMO: list[Callable] = []


def after(*names: str, phase: str = "database"):
    """Register a handler to run after each of these transitions, in `phase` (see PHASES)."""
    order = PHASES.index(phase)

    def register(handler: Callable) -> Callable:
        for name in names:
            AFTER_TRANSITION[name].append((order, handler))
            AFTER_TRANSITION[name].sort(key=lambda entry: entry[0])  # stable: registration order kept
        return handler

    return register


def handlers_after(name: str) -> list[Callable]:
    return [handler for _, handler in AFTER_TRANSITION.get(name, ())]


def offered(dispute, user, names) -> list[str]:
    """The names among `names` (available to the user now) that are worth offering them."""
    return [n for n in names if n not in OFFER or OFFER[n](dispute, user)]
