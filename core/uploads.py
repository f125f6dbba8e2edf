"""Inspecting and neutralising uploaded files (docs/security.md, "Uploads").

Knows no app: `inspect(data)` takes the bytes of an upload and returns what may be stored,
or raises `ServiceError`. The type comes from the content, never the name or the header:

- images (JPEG, PNG, GIF, WebP) are decoded and re-encoded by Pillow, which drops EXIF
  (GPS), comments and anything appended (GIF89a<script> polyglots); above
  `UPLOAD_IMAGE_MAX_PIXELS` they are refused before being decoded (decompression bombs);
- PDFs are opened with pikepdf and refused when they hold active content (JavaScript,
  launch or submit actions, an automatic open action, additional actions, embedded files,
  rich media, XFA forms); a clean PDF is stored as sent, so a signed receipt stays intact;
- audio is stored as sent; WebM/Matroska and MP4 containers count as audio only when they
  hold an audio track and no video track (what a browser's MediaRecorder records);
- anything else (HTML, SVG, archives, executables, HEIC, which Pillow cannot re-encode) is
  refused with 415;
- then, when `UPLOAD_SCANNER` names a command that is present (e.g. ClamAV's clamscan), the
  original bytes are scanned: exit 1 refuses the file, any other failure refuses it too
  (fail closed); when the command is absent the scan is skipped with a warning in the log.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.utils.translation import gettext as _

from .errors import ServiceError

log = logging.getLogger(__name__)

IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
PDF = "application/pdf"
AUDIO = {
    "audio/mpeg", "audio/mp4", "audio/m4a", "audio/x-m4a", "audio/x-wav", "audio/wav",
    "audio/ogg", "audio/amr", "audio/aac", "audio/x-flac", "audio/flac",
}  # fmt: skip
ACCEPTED = set(IMAGE_FORMATS) | {PDF} | AUDIO
# Containers that hold audio or video: audio when they carry an audio track and no video.
MATROSKA = {"video/webm", "video/x-matroska"}
ISO_MEDIA = {"video/mp4", "video/quicktime", "video/x-m4v"}
# A Matroska CodecID element (0x86, a one-byte size) naming an audio (A_) or video (V_) codec.
_MKV_AUDIO = re.compile(rb"\x86[\x81-\xbf]A_")
_MKV_VIDEO = re.compile(rb"\x86[\x81-\xbf]V_")
MEDIA_HEAD = 65536  # track headers come first in what recorders write

# PDF keys that make a document do something when opened or clicked.
ACTIVE_PDF_KEYS = {"/JS", "/JavaScript", "/AA", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"}
ACTIVE_PDF_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/GoToE",
    "/GoToR",
    "/Rendition",
}


@dataclass
class Inspected:
    content: bytes
    mime: str
    extension: str


def _unsupported() -> ServiceError:
    return ServiceError(
        _("Only images, PDF documents and audio recordings are accepted."),
        code="unsupported_type", status=415, field="file",
    )  # fmt: skip


def audio_type(data: bytes) -> tuple[str, str] | None:
    """(mime, extension) when `data` is an audio recording, judged from its content; else None.

    WebM (Chromium's and Firefox's MediaRecorder: Opus) and MP4 (Safari's: AAC) are video
    containers too: they pass as audio/webm or audio/mp4 only with an audio track and no video.
    """
    kind = filetype.guess(data[:8192])
    if kind is None:
        return None
    head = data[:MEDIA_HEAD]
    if kind.mime in MATROSKA:
        if _MKV_AUDIO.search(head) and not _MKV_VIDEO.search(head):
            return "audio/webm", "webm"
        return None
    if kind.mime in ISO_MEDIA:
        handlers = head.replace(b"\x00", b"")  # hdlr, version and flags, zeros, handler type
        if b"hdlrsoun" in handlers and b"hdlrvide" not in handlers:
            return "audio/mp4", "m4a"
        return None
    if kind.mime in AUDIO:
        return kind.mime, kind.extension
    return None


def inspect_audio(data: bytes, refusal: ServiceError | None = None) -> Inspected:
    """`data` if it is an audio recording (audio_type), scanned like any upload; else 415."""
    found = audio_type(data)
    if found is None:
        raise refusal or ServiceError(
            _("Only audio recordings are accepted here."), code="unsupported_type", status=415, field="file"
        )
    scan(data)
    return Inspected(data, *found)


def inspect(data: bytes) -> Inspected:
    """What may be stored of `data`, or a ServiceError saying why not. Changes nothing."""
    kind = filetype.guess(data[:8192])
    if kind is not None and (kind.mime in MATROSKA or kind.mime in ISO_MEDIA):
        return inspect_audio(data, _unsupported())
    if kind is None or kind.mime not in ACCEPTED:
        raise _unsupported()
    if kind.mime in IMAGE_FORMATS:
        result = _reencode_image(data, kind.mime, kind.extension)
    else:
        if kind.mime == PDF:
            _check_pdf(data)
        result = Inspected(data, kind.mime, kind.extension)
    scan(data)
    return result


# --- images ---------------------------------------------------------------------------------
def _reencode_image(data: bytes, mime: str, extension: str) -> Inspected:
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = settings.UPLOAD_IMAGE_MAX_PIXELS
    too_large = ServiceError(
        _("The image is too large: at most %(mp)s million pixels.") % {"mp": limit // 1_000_000},
        code="image_too_large", status=400, field="file",
    )  # fmt: skip
    try:
        with Image.open(io.BytesIO(data), formats=[IMAGE_FORMATS[mime]]) as img:
            width, height = img.size
            frames = getattr(img, "n_frames", 1)
            if width * height * frames > limit:
                raise too_large
            out = io.BytesIO()
            if frames > 1:
                img.save(out, format=IMAGE_FORMATS[mime], save_all=True)
            else:
                img.load()
                clean = ImageOps.exif_transpose(img)  # keep the orientation, drop the EXIF
                if mime == "image/jpeg" and clean.mode not in ("RGB", "L"):
                    clean = clean.convert("RGB")
                clean.info = {}
                clean.save(
                    out, format=IMAGE_FORMATS[mime], **({"quality": 90} if mime == "image/jpeg" else {})
                )
    except ServiceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        log.info("image refused: %s", exc)
        raise ServiceError(
            _("The image could not be read."), code="unsupported_type", status=415, field="file"
        ) from exc
    return Inspected(out.getvalue(), mime, extension)


# --- PDF ------------------------------------------------------------------------------------
def _check_pdf(data: bytes) -> None:
    import pikepdf

    refused = ServiceError(
        _("PDF documents with scripts, actions or embedded files are not accepted."),
        code="active_content", status=415, field="file",
    )  # fmt: skip
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if "/OpenAction" in pdf.Root and isinstance(pdf.Root.OpenAction, pikepdf.Dictionary):
                raise refused
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Stream):
                    obj = obj.stream_dict
                if not isinstance(obj, pikepdf.Dictionary):
                    continue
                keys = set(obj.keys())
                if keys & ACTIVE_PDF_KEYS:
                    raise refused
                if "/S" in keys and str(obj.get("/S")) in ACTIVE_PDF_ACTIONS:
                    raise refused
    except ServiceError:
        raise
    except Exception as exc:  # noqa: BLE001 - pikepdf raises many kinds for broken files
        log.info("PDF refused: %s", exc)
        raise ServiceError(
            _("The PDF document could not be read."), code="unsupported_type", status=415, field="file"
        ) from exc


# --- malware scan ---------------------------------------------------------------------------
def scan(data: bytes) -> None:
    """Scan with `UPLOAD_SCANNER` (a command; the file's path is appended) when it is present."""
    command = list(settings.UPLOAD_SCANNER or [])
    if not command:
        log.info("no upload scanner configured (UPLOAD_SCANNER): the upload is not scanned for malware")
        return
    if shutil.which(command[0]) is None:
        log.warning("upload scanner %s is not installed: uploads are not scanned for malware", command[0])
        return
    with tempfile.NamedTemporaryFile(prefix="scan-", delete=False) as tmp:
        tmp.write(data)
    try:
        result = subprocess.run(
            [*command, tmp.name], capture_output=True, timeout=settings.UPLOAD_SCANNER_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.error("upload scanner failed: %s", exc)
        result = None
    finally:
        os.unlink(tmp.name)
    if result is not None and result.returncode == 0:
        return
    if result is not None and result.returncode == 1:
        log.warning("upload refused by the scanner: %s", result.stdout.decode(errors="replace")[-300:])
        raise ServiceError(
            _("The file was refused by the malware scan."), code="infected", status=400, field="file"
        )
    if result is not None:
        log.error(
            "upload scanner exit %s: %s", result.returncode, result.stderr.decode(errors="replace")[-300:]
        )
    raise ServiceError(
        _("The file could not be checked for malware; try again later."),
        code="scanner_unavailable", status=503,
    )  # fmt: skip
