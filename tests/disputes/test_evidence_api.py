"""Evidence uploads and downloads (docs/api.md): images, PDF and audio only, by content; 20 MB at most."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings

from disputes import services
from disputes.models import Evidence
from tests import samples

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def url(dispute) -> str:
    return f"/api/v1/disputes/{dispute.pk}/evidence/"


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "claimed_type", "detected"),
    [
        ("漏水照片.png", samples.png(8, 8), "image/png", "image/png"),
        ("维修收据.pdf", samples.pdf(), "application/pdf", "application/pdf"),
        ("通话录音.mp3", samples.mp3(), "audio/mpeg", "audio/mpeg"),
        # The type comes from the bytes: a wrong or missing extension does not matter.
        ("scan", samples.pdf(), "application/octet-stream", "application/pdf"),
        ("photo.jpg", samples.png(), "image/jpeg", "image/png"),
    ],
)
def test_a_party_uploads_evidence_of_an_accepted_kind(
    name, content, claimed_type, detected, dispute, claimant, api, media
):
    r = api(claimant).post(
        url(dispute),
        {"file": samples.upload(name, content, claimed_type), "description": "证据"},
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["content_type"] == detected
    evidence = Evidence.objects.get(pk=body["id"])
    stored = Path(evidence.file.path).read_bytes()
    # Images are re-encoded (tests/disputes/test_uploads.py); size and hash are of what is stored.
    assert body["size"] == len(stored)
    assert body["sha256"] == hashlib.sha256(stored).hexdigest()
    assert body["uploaded_by"] == {"id": claimant.pk, "name": "张三"}
    assert body["download_url"] == f"/api/v1/disputes/{dispute.pk}/evidence/{body['id']}/download/"
    assert evidence.dispute == dispute
    assert stored == content or detected.startswith("image/")


def test_files_are_stored_under_random_names_never_the_uploaded_one(dispute, claimant, api, media):
    names = []
    for _ in range(2):
        r = api(claimant).post(
            url(dispute), {"file": samples.upload("../../etc/passwd.png", samples.png())}, format="multipart"
        )
        assert r.status_code == 201
        names.append(Evidence.objects.get(pk=r.json()["id"]).file.name)
    assert names[0] != names[1]
    for name in names:
        assert name.startswith(f"evidence/{dispute.pk}/")
        assert "passwd" not in name and ".." not in name
        assert len(Path(name).name) >= 32
    assert all(Path(p).resolve().is_relative_to(media.resolve()) for p in stored_files(media))
    assert Evidence.objects.filter(dispute=dispute).first().filename == "passwd.png"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", "这不是图片，只是一段文字。".encode()),
        ("receipt.pdf", b"<html><script>alert(1)</script></html>"),
        ("recording.mp3", b"#!/bin/sh\nrm -rf /\n"),
        ("archive.png", b"PK\x03\x04" + b"\x00" * 100),  # a ZIP
        ("program.jpg", b"MZ\x90\x00" + b"\x00" * 100),  # a Windows executable
        ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ],
)
def test_a_file_whose_content_is_not_an_accepted_kind_is_refused_with_415(
    name, content, dispute, claimant, api, media, snapshot
):
    before = snapshot(dispute)
    r = api(claimant).post(
        url(dispute), {"file": samples.upload(name, content, "image/png")}, format="multipart"
    )
    assert r.status_code == 415
    assert r.json()["code"] == "unsupported_type"
    assert set(r.json()) == {"detail", "code"}
    assert snapshot(dispute) == before
    assert stored_files(media) == []


def test_an_upload_over_20_mb_is_refused_with_413(dispute, claimant, api, media, snapshot):
    before = snapshot(dispute)
    big = samples.png() + b"\x00" * (20 * MB)
    r = api(claimant).post(url(dispute), {"file": samples.upload("huge.png", big)}, format="multipart")
    assert r.status_code == 413
    assert r.json()["code"] == "too_large"
    assert snapshot(dispute) == before
    assert stored_files(media) == []


def test_a_file_one_byte_over_the_limit_is_refused_and_one_at_the_limit_accepted(
    dispute, claimant, api, media, snapshot
):
    head = samples.png()
    over = head + b"\x00" * (settings.EVIDENCE_MAX_BYTES + 1 - len(head))
    before = snapshot(dispute)
    r = api(claimant).post(url(dispute), {"file": samples.upload("over.png", over)}, format="multipart")
    assert r.status_code == 413
    assert snapshot(dispute) == before
    r = api(claimant).post(url(dispute), {"file": samples.upload("limit.png", over[:-1])}, format="multipart")
    assert r.status_code == 201
    assert r.json()["size"] < settings.EVIDENCE_MAX_BYTES  # re-encoded: the padding is gone


def test_an_upload_without_a_file_is_invalid_input(dispute, claimant, api):
    r = api(claimant).post(url(dispute), {"description": "忘了附件"}, format="multipart")
    assert r.status_code == 400
    assert "file" in r.json()["errors"]


def test_an_empty_file_is_invalid_input(dispute, claimant, api, media):
    r = api(claimant).post(url(dispute), {"file": samples.upload("empty.png", b"")}, format="multipart")
    assert r.status_code == 400
    assert "file" in r.json()["errors"]
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("state", "who"),
    [
        ("filed", "claimant"),
        ("filed", "grid_worker"),
        ("awaiting_response", "respondent"),
        ("in_mediation", "mediator"),
        ("escalated", "street_handler"),
    ],
)
def test_parties_mediator_and_staff_may_upload(state, who, dispute, advance, api, cast):
    dispute = advance(dispute, state)
    r = api(cast(who)).post(
        url(dispute), {"file": samples.upload("a.pdf", samples.pdf())}, format="multipart"
    )
    assert r.status_code == 201


@pytest.mark.parametrize("state", ["rejected", "closed", "withdrawn"])
def test_no_evidence_can_be_added_once_the_dispute_is_over(
    state, dispute, advance, grid_worker, api, snapshot
):
    dispute = advance(dispute, state)
    before = snapshot(dispute)
    r = api(grid_worker).post(
        url(dispute), {"file": samples.upload("a.png", samples.png())}, format="multipart"
    )
    assert r.status_code == 409
    assert snapshot(dispute) == before


def test_evidence_is_listed_for_those_who_see_the_dispute(dispute, advance, claimant, respondent, api):
    services.add_evidence(
        dispute, by=claimant, upload=samples.upload("照片.png", samples.png()), description="现场"
    )
    dispute = advance(dispute, "awaiting_response")
    r = api(respondent).get(url(dispute))
    assert r.status_code == 200
    [item] = r.json()
    assert set(item) == {
        "id", "filename", "content_type", "size", "sha256", "description", "uploaded_by", "uploaded_at",
        "download_url",
    }  # fmt: skip
    assert (item["filename"], item["content_type"], item["description"]) == ("照片.png", "image/png", "现场")


@pytest.mark.parametrize("who", ["claimant", "grid_worker", "respondent", "street_handler"])
def test_those_entitled_download_the_exact_bytes_as_an_attachment(who, dispute, advance, claimant, api, cast):
    content = samples.pdf()
    evidence = services.add_evidence(dispute, by=claimant, upload=samples.upload("维修收据.pdf", content))
    dispute = advance(dispute, "awaiting_response")
    r = api(cast(who)).get(f"{url(dispute)}{evidence.pk}/download/")
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == content
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment;")
    assert r["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["outsider", "respondent", "mediator", "other_grid_worker"])
def test_those_not_entitled_cannot_download(who, dispute, claimant, api, cast):
    evidence = services.add_evidence(dispute, by=claimant, upload=samples.upload("a.png", samples.png()))
    r = api(cast(who)).get(f"{url(dispute)}{evidence.pk}/download/")
    assert r.status_code == 404
    assert api().get(f"{url(dispute)}{evidence.pk}/download/").status_code == 401


def test_a_replaced_mediator_can_no_longer_download(dispute, advance, claimant, grid_worker, mediator, api):
    evidence = services.add_evidence(dispute, by=claimant, upload=samples.upload("a.png", samples.png()))
    dispute = advance(dispute, "in_mediation")
    download = f"{url(dispute)}{evidence.pk}/download/"
    assert api(mediator).get(download).status_code == 200
    api(grid_worker).post(f"/api/v1/disputes/{dispute.pk}/transitions/replace_mediator/", {"reason": "回避"})
    assert api(mediator).get(download).status_code == 404


def test_evidence_cannot_be_fetched_through_another_dispute(regions, dispute, claimant, outsider, api):
    evidence = services.add_evidence(dispute, by=claimant, upload=samples.upload("a.png", samples.png()))
    from tests import factories

    own = factories.file_dispute(outsider, regions["grid1"], claimant.phone)
    r = api(outsider).get(f"/api/v1/disputes/{own.pk}/evidence/{evidence.pk}/download/")
    assert r.status_code == 404


def test_uploading_needs_credentials(dispute, api, media):
    r = api().post(url(dispute), {"file": samples.upload("a.png", samples.png())}, format="multipart")
    assert r.status_code == 401
    assert stored_files(media) == []
