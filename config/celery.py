"""The Celery app. Broker: Redis when REDIS_URL is set, else a folder (no server needed)."""

import gc
import os
import uuid
from queue import Empty
from time import monotonic

from celery import Celery
from celery.signals import setup_logging, worker_process_init
from kombu.transport import filesystem

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class FolderChannel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Write the message under a temporary name, then rename it into the queue: kombu's
        own `_put` creates the file empty and writes after, and a reader that polls often
        takes the empty file (a JSON error that loses the message and stops the consumer)."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.part")
        with open(partial, "wb") as f:
            f.write(filesystem.str_to_bytes(filesystem.dumps(payload)))
        os.replace(partial, final)


class FolderTransport(filesystem.Transport):
    """kombu's filesystem transport, polled from the worker's event loop (docs/decisions.md).

    Celery runs a transport that is not asynchronous in its blocking loop, with billiard's
    shared-queue pool: a pool child killed while it holds that queue's lock stalls the worker
    for good. Declared asynchronous, the transport gets the event loop and its pool (one pipe
    per child, a dead child's task failed and requeued), as on Redis. The folder is read on
    every turn of the loop (a task finished, a message acknowledged) and at least every
    `polling_interval` seconds, and as many messages are handed over as the prefetch allows.
    """

    Channel = FolderChannel
    implements = filesystem.Transport.implements.extend(asynchronous=True)
    #: at most this many messages handed over per look, so pool results are read in between
    batch = 100

    def register_with_event_loop(self, connection, loop):
        loop.on_tick.add(self._deliver_ready)
        # The timer wakes an idle loop; each wake-up is a turn, so on_tick reads the folder.
        loop.call_repeatedly(self.polling_interval, self._deliver_ready)

    def unregister_from_event_loop(self, connection, loop):
        loop.on_tick.discard(self._deliver_ready)

    def _deliver_ready(self) -> None:
        for _ in range(self.batch):
            try:
                self.cycle.get(self._deliver)
            except Empty:
                return


app = Celery("tiaojie")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**_kwargs) -> None:
    """The worker and beat log through Django's LOGGING (its personal-data filter on every
    handler, core/logfilters.py) instead of Celery's own handlers: connecting this signal
    tells Celery not to configure logging itself."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@worker_process_init.connect
def freeze_startup_objects(**_kwargs) -> None:
    """As config/asgi.py does: objects loaded at start-up stay out of full collections."""
    gc.freeze()
