"""Request body limits at the server's edge (docs/security.md, "Uploads").

`limit_for(path)` is the most a request body to `path` may hold (`REQUEST_MAX_BYTES`,
`REQUEST_MAX_BYTES_BY_PATH`). Two places apply it:

- `BodyLimit`, an ASGI middleware: a Content-Length above the limit is answered 413 before a
  byte of the body is read; a body that turns out longer (chunked, or a server that does not
  hold to Content-Length) is cut off while it streams, the app sees a disconnect and the
  client a 413. A malformed or repeated Content-Length is answered 400.
- `limit_daphne()`: daphne (through Twisted) receives the whole body, spooled to a temporary
  file, before it calls the app, and then queues all of it in memory. Its request class is
  replaced by one that answers 413 and closes the connection as soon as the headers declare
  too much, or as soon as a chunked body passes the limit, so neither memory nor disk fills.

The 413 is the API's error envelope under /api/, a short page elsewhere.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def limit_for(path: str) -> int:
    for pattern, limit in settings.REQUEST_MAX_BYTES_BY_PATH:
        if _compiled(pattern).search(path):
            return limit
    return settings.REQUEST_MAX_BYTES


def _language(headers: dict[bytes, bytes]) -> str:
    cookie = headers.get(b"cookie", b"").decode("latin-1")
    for part in cookie.split(";"):
        name, _sep, value = part.strip().partition("=")
        if name == settings.LANGUAGE_COOKIE_NAME and value:
            try:
                return translation.get_supported_language_variant(value)
            except LookupError:
                break
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    for code, _q in translation.trans_real.parse_accept_lang_header(accept):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def refusal(path: str, headers: dict[bytes, bytes], status: int = 413) -> tuple[list, bytes]:
    """The response headers and body refusing a request: JSON envelope under /api/, else a page."""
    with translation.override(_language(headers)):
        if status == 413:
            detail, code = _("The request is too large."), "too_large"
            limit = _("At most %(mb)s MB can be sent at once.") % {"mb": limit_for(path) // (1024 * 1024)}
        else:
            detail, code, limit = _("Invalid input."), "invalid", ""
        if path.startswith("/api/"):
            payload = {"detail": detail, "code": code}
            if status == 400:
                payload["errors"] = {}
            body = json.dumps(payload, ensure_ascii=False).encode()
            kind = b"application/json"
        else:
            body = (
                f'<!doctype html><html lang="{translation.get_language()}"><meta charset="utf-8">'
                f"<title>{detail}</title><h1>{detail}</h1><p>{limit}</p></html>"
            ).encode()
            kind = b"text/html; charset=utf-8"
    headers_out = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        (b"x-content-type-options", b"nosniff"),
    ]
    return headers_out, body


def declared_length(values: list[bytes]) -> int | None:
    """The Content-Length, None when absent; ValueError when malformed or repeated."""
    if not values:
        return None
    if len(values) > 1 or not values[0].strip().isdigit():
        raise ValueError("bad content-length")
    return int(values[0])


class BodyLimit:
    """ASGI middleware refusing request bodies above `limit_for(path)` (see the module)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        headers = dict(scope.get("headers", []))
        limit = limit_for(path)
        try:
            length = declared_length([v for k, v in scope.get("headers", []) if k == b"content-length"])
        except ValueError:
            return await self._refuse(send, path, headers, 400)
        if length is not None and length > limit:
            return await self._refuse(send, path, headers, 413)

        received = 0
        over = False
        started = False

        async def limited_receive():
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, tracking_send)
        if over and not started:
            await self._refuse(send, path, headers, 413)

    async def _refuse(self, send, path, headers, status):
        response_headers, body = refusal(path, headers, status)
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})


def limit_daphne() -> None:
    """Make daphne refuse oversized bodies while it receives them (see the module)."""
    try:
        from daphne import http_protocol
    except ImportError:  # served by something else: BodyLimit still applies
        return
    if getattr(http_protocol.WebRequest, "body_limited", False):
        return
    base = http_protocol.WebRequest

    class LimitedWebRequest(base):
        body_limited = True
        refused = False
        body_received = 0

        def _path(self) -> str:
            raw = getattr(self.channel, "_path", b"") or b""
            return raw.split(b"?", 1)[0].decode("latin-1")

        def _refuse(self, status: int) -> None:
            from io import BytesIO

            self.refused = True
            self.content = BytesIO()
            headers = {
                k.lower(): v[0] for k, v in self.requestHeaders.getAllRawHeaders() if v
            }  # fmt: skip
            response_headers, body = refusal(self._path(), headers, status)
            reason = b"Payload Too Large" if status == 413 else b"Bad Request"
            head = b"HTTP/1.1 %d %s\r\n" % (status, reason)
            head += b"".join(k + b": " + v + b"\r\n" for k, v in response_headers)
            transport = self.channel.transport
            transport.write(head + b"\r\n" + body)
            transport.loseConnection()

        def gotLength(self, length):
            try:
                declared_length(self.requestHeaders.getRawHeaders(b"content-length") or [])
            except ValueError:
                super().gotLength(0)
                return self._refuse(400)
            if length is not None and length > limit_for(self._path()):
                super().gotLength(0)
                return self._refuse(413)
            return super().gotLength(length)

        def handleContentChunk(self, data):
            if self.refused:
                return None
            self.body_received += len(data)
            if self.body_received > limit_for(self._path()):
                return self._refuse(413)
            return super().handleContentChunk(data)

        def requestReceived(self, command, path, version):
            if self.refused:
                return None
            return super().requestReceived(command, path, version)

    http_protocol.WebRequest = LimitedWebRequest
