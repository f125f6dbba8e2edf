"""Hostile uploads (docs/security.md, "Uploads"): content inspected, images re-encoded, active
PDFs refused, malware scanned when a scanner is configured, hostile names kept off disk and
out of headers, and evidence never lands on a closed case."""

import io
import shutil
import struct
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from disputes import services
from disputes.models import Dispute, Evidence
from tests import samples

pytestmark = pytest.mark.django_db

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def url(dispute) -> str:
    return f"/api/v1/disputes/{dispute.pk}/evidence/"


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def post(api, user, dispute, name, content):
    return api(user).post(url(dispute), {"file": samples.upload(name, content)}, format="multipart")


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (16, 16), (200, 50, 50))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares width × height pixels (a few bytes of a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    ihdr = struct.pack(">I", 13) + b"IHDR" + header + struct.pack(">I", zlib.crc32(b"IHDR" + header))
    data = zlib.compress(b"\x00" * 65536)
    idat = struct.pack(">I", len(data)) + b"IDAT" + data + struct.pack(">I", zlib.crc32(b"IDAT" + data))
    return b"\x89PNG\r\n\x1a\n" + ihdr + idat + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def test_an_image_just_over_the_pixel_limit_is_refused(settings, dispute, claimant, api, media):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 100
    assert post(api, claimant, dispute, "a.png", samples.png(10, 10)).status_code == 201
    r = post(api, claimant, dispute, "b.png", samples.png(11, 10))
    assert r.status_code == 400
    assert r.json()["code"] == "image_too_large"


def pdf_with(extra: dict) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    for key, value in extra.items():
        pdf.Root[key] = pdf.make_indirect(value)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_jpeg_is_re_encoded_without_its_exif_and_gps(dispute, claimant, api, media):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    r = post(api, claimant, dispute, "photo.jpg", original)
    assert r.status_code == 201, r.json()
    stored = Path(Evidence.objects.get(pk=r.json()["id"]).file.path).read_bytes()
    assert stored != original
    img = Image.open(io.BytesIO(stored))
    assert img.format == "JPEG" and img.size == (16, 16)
    assert not img.getexif()
    assert b"PhoneMaker" not in stored
    assert r.json()["size"] == len(stored)


def test_a_gif_script_polyglot_is_stored_as_clean_pixels(dispute, claimant, api, media):
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, format="GIF")
    polyglot = out.getvalue() + b"<script>alert(document.cookie)</script>"
    r = post(api, claimant, dispute, "cat.gif", polyglot)
    assert r.status_code == 201, r.json()
    stored = Path(Evidence.objects.get(pk=r.json()["id"]).file.path).read_bytes()
    assert b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).format == "GIF"


def test_a_decompression_bomb_is_refused_with_a_clear_400(dispute, claimant, api, media, snapshot):
    before = snapshot(dispute)
    r = post(api, claimant, dispute, "bomb.png", png_header(65535, 65535))
    assert r.status_code == 400
    assert r.json()["code"] == "image_too_large"
    assert "file" in r.json()["errors"]
    assert snapshot(dispute) == before
    assert stored_files(media) == []


def test_a_broken_image_is_refused(dispute, claimant, api, media):
    r = post(api, claimant, dispute, "x.png", b"\x89PNG\r\n\x1a\n" + b"<html><script>1</script>")
    assert r.status_code == 415
    assert stored_files(media) == []


@pytest.mark.parametrize(
    "extra",
    [
        {"/OpenAction": pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))},
        {"/OpenAction": pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))},
        {"/Names": pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array()))},
        {"/AA": pikepdf.Dictionary()},
    ],
    ids=["javascript", "launch", "names-javascript", "additional-actions"],
)
def test_a_pdf_with_active_content_is_refused(extra, dispute, claimant, api, media, snapshot):
    before = snapshot(dispute)
    r = post(api, claimant, dispute, "receipt.pdf", pdf_with(extra))
    assert r.status_code == 415
    assert r.json()["code"] == "active_content"
    assert snapshot(dispute) == before
    assert stored_files(media) == []


def test_a_plain_pdf_is_kept_byte_for_byte(dispute, claimant, api, media):
    content = pdf_with({})
    r = post(api, claimant, dispute, "receipt.pdf", content)
    assert r.status_code == 201
    assert Path(Evidence.objects.get(pk=r.json()["id"]).file.path).read_bytes() == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b"<html><body><script>alert(1)</script></body></html>"),
        ("photo.jpg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("photo.jpg", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),
        ("photo.jpg", b"\x1f\x8b\x08\x00" + b"\x00" * 64),
    ],
    ids=["html", "svg", "elf", "gzip"],
)
def test_other_content_named_as_an_image_is_refused(name, content, dispute, claimant, api, media):
    r = post(api, claimant, dispute, name, content)
    assert r.status_code == 415
    assert stored_files(media) == []


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/cron.d/x.png",
        "invoice\u202egnp.exe",
        "a\r\nSet-Cookie: x=1.png",
        "长" * 4000 + ".png",
    ],
    ids=["traversal", "rtl-override", "crlf", "4000-chars"],
)
def test_hostile_names_reach_neither_the_disk_nor_a_header(name, dispute, claimant, api, media):
    r = post(api, claimant, dispute, name, samples.png())
    assert r.status_code == 201, r.json()
    evidence = Evidence.objects.get(pk=r.json()["id"])
    assert Path(evidence.file.path).resolve().is_relative_to(Path(media).resolve())
    assert Path(evidence.file.name).name.isalnum()
    assert (
        "\u202e" not in evidence.filename and "\r" not in evidence.filename and "/" not in evidence.filename
    )
    assert len(evidence.filename) <= 160 and evidence.filename.endswith(".png")
    d = api(claimant).get(f"{url(dispute)}{evidence.pk}/download/")
    disposition = d["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''" in disposition
    assert "\r" not in disposition and "\n" not in disposition and "\u202e" not in disposition
    assert d["X-Content-Type-Options"] == "nosniff"
    policy = [part.strip() for part in d["Content-Security-Policy"].split(";")]
    assert {"sandbox", "default-src 'none'", "frame-ancestors 'none'"} <= set(policy)


def test_an_upload_racing_a_withdrawal_is_refused_under_the_row_lock(dispute, claimant, api, media, advance):
    """The view read the dispute before the withdrawal committed: the service must look again."""
    stale = Dispute.objects.get(pk=dispute.pk)
    advance(dispute, "withdrawn")
    with pytest.raises(services.ServiceError) as refused:
        services.add_evidence(stale, by=claimant, upload=samples.upload("a.png", samples.png()))
    assert refused.value.status == 409
    assert not Evidence.objects.filter(dispute=dispute).exists()
    assert stored_files(media) == []


def test_a_file_is_removed_when_the_evidence_row_cannot_be_saved(dispute, claimant, media, monkeypatch):
    def fail(self, *args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(Evidence, "save", fail)
    with pytest.raises(RuntimeError):
        services.add_evidence(dispute, by=claimant, upload=samples.upload("a.png", samples.png()))
    assert stored_files(media) == []


@pytest.fixture
def clamscan(settings, tmp_path):
    if shutil.which("clamscan") is None:
        pytest.skip("clamscan is not installed (Debian package clamav)")
    db = tmp_path / "eicar.ndb"
    db.write_text(f"Tiaojie.Test.EICAR:0:*:{EICAR.hex()}\n")
    settings.UPLOAD_SCANNER = ["clamscan", "--no-summary", "-d", str(db)]
    return settings


def test_eicar_after_a_jpeg_header_is_refused_by_the_scanner(
    clamscan, dispute, claimant, api, media, snapshot
):
    before = snapshot(dispute)
    r = post(api, claimant, dispute, "photo.jpg", jpeg_with_gps() + EICAR)
    assert r.status_code == 400
    assert r.json()["code"] == "infected"
    assert snapshot(dispute) == before
    assert stored_files(media) == []
    assert post(api, claimant, dispute, "clean.pdf", samples.pdf()).status_code == 201


def test_a_scanner_that_fails_refuses_the_upload(settings, dispute, claimant, api, media):
    settings.UPLOAD_SCANNER = ["false"]  # exits 1: "infected"
    assert post(api, claimant, dispute, "a.pdf", samples.pdf()).status_code == 400
    settings.UPLOAD_SCANNER = ["sh", "-c", "exit 2"]
    assert post(api, claimant, dispute, "a.pdf", samples.pdf()).status_code == 503
    assert stored_files(media) == []


def test_an_absent_scanner_is_skipped_and_logged(settings, dispute, claimant, api, media, caplog):
    settings.UPLOAD_SCANNER = ["no-such-scanner-here"]
    assert post(api, claimant, dispute, "a.pdf", samples.pdf()).status_code == 201
    assert "not installed" in caplog.text


def test_a_malformed_content_length_is_invalid_input_not_a_crash(dispute, claimant, api):
    r = api(claimant).post(
        url(dispute),
        {"file": samples.upload("a.png", samples.png())},
        format="multipart",
        HTTP_CONTENT_LENGTH="abc",
        CONTENT_LENGTH="abc",
    )
    assert r.status_code in (400, 413)
