import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.ws import TicketOrCookieAuth  # noqa: E402
from core.bodylimit import BodyLimit, limit_daphne  # noqa: E402
from core.logfilters import mask_daphne_access_log  # noqa: E402
from mediation.chat.routing import websocket_urlpatterns as chat_urlpatterns  # noqa: E402
from notifications.routing import websocket_urlpatterns as notification_urlpatterns  # noqa: E402

websocket_urlpatterns: list = [*chat_urlpatterns, *notification_urlpatterns]

application = ProtocolTypeRouter(
    {
        # Bodies above REQUEST_MAX_BYTES are refused before they are read (core/bodylimit.py).
        "http": BodyLimit(django_asgi_app),
        # Ticket or session cookie; cookies only from ALLOWED_WS_ORIGINS (config/ws.py).
        "websocket": TicketOrCookieAuth(URLRouter(websocket_urlpatterns)),
    }
)

# daphne buffers a whole body before calling the app: make it refuse oversized ones itself.
limit_daphne()
# daphne's access log bypasses `logging`: mask websocket tickets in it (core/logfilters.py).
mask_daphne_access_log()

# Everything loaded so far lives as long as the process: keep it out of the collector's
# full passes, which otherwise stall requests that allocate a lot (mediator ranking).
gc.freeze()
