"""The trust services' own process (docs/features/trust-services.md): a plain ASGI app, run by
daphne beside the main one (scripts/serve), holding no database connection.

    POST /tsa/                 RFC 3161 (application/timestamp-query → application/timestamp-reply)
    GET  /pki/crl/issuing.crl  the issuing CA's CRL (DER), as the main application published it
    GET  /pki/issuing.cer      the issuing CA certificate (DER)
    GET  /pki/root.cer         the platform root (DER)
    POST /pki/ocsp/            OCSP (RFC 6960), and GET /pki/ocsp/{base64 request}

Keys are reached through mediation.settlements.pki (the token); the CRL and the revocation
status are files under settings.TRUST_PUBLISH_DIR (mediation.settlements.revocation).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
from datetime import UTC, datetime
from urllib.parse import unquote

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from asn1crypto import crl as asn1_crl  # noqa: E402
from django.conf import settings  # noqa: E402

from mediation.settlements import pki, revocation, trust  # noqa: E402

log = logging.getLogger("tiaojie.trust")
MAX_BODY = 64 * 1024  # a timestamp or OCSP request is a few hundred bytes


async def _send(send, status: int, body: bytes, content_type: str, extra: tuple = ()) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read(receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _crl_is_current(der: bytes) -> bool:
    try:
        next_update = asn1_crl.CertificateList.load(der)["tbs_cert_list"]["next_update"].native
    except Exception:
        return False
    return next_update is not None and next_update > datetime.now(UTC)


def _in_thread(coroutine_function):
    """Run in a worker thread with its own event loop: making a certificate on first use records
    it in the registry, which Django refuses from the server's event loop."""

    def certificates_then_run(*args):
        pki.chain(), pki.tsa_certificate()  # made (and recorded) here, outside any event loop
        return asyncio.run(coroutine_function(*args))

    async def run(*args):
        return await asyncio.to_thread(certificates_then_run, *args)

    return run


@_in_thread
async def current_crl() -> bytes:
    """The published CRL; when absent or past its nextUpdate (the main application down too
    long), one built here from the last published status, so relying parties never get a stale one."""
    path = revocation.folder() / revocation.CRL_FILE
    try:
        der = path.read_bytes()
    except OSError:
        der = b""
    if der and _crl_is_current(der):
        return der
    status = revocation.read_status()
    der = await trust.async_build_crl(
        list(status.revoked.values()), number=revocation.crl_number(), lifetime=settings.CRL_LIFETIME
    )
    revocation._write_atomic(path, der)
    return der


@_in_thread
async def ocsp(der: bytes) -> bytes:
    status = revocation.read_status()
    tsa = pki.tsa_certificate()
    status.issued.add(tsa.serial_number)  # the TSA's own certificate is the platform's too
    return await trust.async_ocsp_reply(der, status, lifetime=settings.OCSP_LIFETIME)


async def handle(scope, receive, send) -> None:
    path, method = scope["path"], scope["method"]
    if path == "/tsa/":
        if method != "POST":
            return await _send(send, 405, b"POST a TimeStampReq\n", "text/plain", ((b"allow", b"POST"),))
        body = await _read(receive)
        if body is None:
            reply = trust.timestamp_rejection("bad_request", "request too large")
        else:
            reply = await _in_thread(trust.async_timestamp_reply)(body)
        return await _send(send, 200, reply, "application/timestamp-reply")
    if path == "/pki/ocsp/" or path.startswith("/pki/ocsp/"):
        if method == "POST" and path == "/pki/ocsp/":
            body = await _read(receive)
            reply = trust.ocsp_failure() if body is None else await ocsp(body)
        elif method == "GET":
            try:
                request = base64.b64decode(unquote(path[len("/pki/ocsp/") :]), validate=True)
            except ValueError:
                request = b""
            reply = await ocsp(request) if request else trust.ocsp_failure()
        else:
            return await _send(send, 405, b"GET or POST an OCSP request\n", "text/plain")
        return await _send(send, 200, reply, "application/ocsp-response")
    if method not in ("GET", "HEAD"):
        return await _send(send, 405, b"Method not allowed\n", "text/plain", ((b"allow", b"GET"),))
    if path == "/pki/crl/issuing.crl":
        return await _send(send, 200, await current_crl(), "application/pkix-crl")
    if path == "/pki/issuing.cer":
        cert = await asyncio.to_thread(pki.issuing_certificate)
        return await _send(send, 200, cert.dump(), "application/pkix-cert")
    if path == "/pki/root.cer":
        cert = await asyncio.to_thread(pki.root_certificate)
        return await _send(send, 200, cert.dump(), "application/pkix-cert")
    return await _send(send, 404, b"Not found\n", "text/plain")


async def application(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    try:
        await handle(scope, receive, send)
    except Exception:  # a clean 500 without a traceback to the client; the log has it
        log.exception("trust service error on %s %s", scope.get("method"), scope.get("path"))
        await _send(send, 500, b"Internal error\n", "text/plain")
